-- The tables whose rows a summary or overview shows or counts. The tally
-- tables that only ever change together with one of these (autonomy,
-- concerns, outstanding, quotable) are left out to spare bulk imports a
-- trigger per row; organisation and stance tallies are kept so that a
-- rebuild of the tallies moves the version too.
--
-- SQLite has no statement triggers: one per row and kind of write, each an
-- update of a one-row table.
CREATE TRIGGER consultations_INSERT_summary_version AFTER INSERT ON consultations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER consultations_UPDATE_summary_version AFTER UPDATE ON consultations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER consultations_DELETE_summary_version AFTER DELETE ON consultations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER proposals_INSERT_summary_version AFTER INSERT ON proposals
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER proposals_UPDATE_summary_version AFTER UPDATE ON proposals
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER proposals_DELETE_summary_version AFTER DELETE ON proposals
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_INSERT_summary_version AFTER INSERT ON organisations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_UPDATE_summary_version AFTER UPDATE ON organisations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_DELETE_summary_version AFTER DELETE ON organisations
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER concerns_INSERT_summary_version AFTER INSERT ON concerns
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER concerns_UPDATE_summary_version AFTER UPDATE ON concerns
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER concerns_DELETE_summary_version AFTER DELETE ON concerns
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER responses_INSERT_summary_version AFTER INSERT ON responses
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER responses_UPDATE_summary_version AFTER UPDATE ON responses
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER responses_DELETE_summary_version AFTER DELETE ON responses
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER response_codings_INSERT_summary_version AFTER INSERT ON response_codings
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER response_codings_UPDATE_summary_version AFTER UPDATE ON response_codings
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER response_codings_DELETE_summary_version AFTER DELETE ON response_codings
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisation_tallies_INSERT_summary_version AFTER INSERT ON organisation_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisation_tallies_UPDATE_summary_version AFTER UPDATE ON organisation_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER organisation_tallies_DELETE_summary_version AFTER DELETE ON organisation_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER stance_tallies_INSERT_summary_version AFTER INSERT ON stance_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER stance_tallies_UPDATE_summary_version AFTER UPDATE ON stance_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER stance_tallies_DELETE_summary_version AFTER DELETE ON stance_tallies
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END;
