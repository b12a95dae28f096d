-- The tables whose rows a summary or overview shows or counts. The tally
-- tables that only ever change together with one of these (autonomy,
-- concerns, outstanding, quotable) are left out to spare bulk imports a
-- trigger per row; organisation and stance tallies are kept so that a
-- rebuild of the tallies moves the version too.
--
-- PostgreSQL: one trigger per statement.
CREATE FUNCTION bump_summary_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER consultations_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consultations
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER proposals_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON proposals
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER organisations_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER concerns_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON concerns
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER responses_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON responses
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER response_codings_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON response_codings
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER organisation_tallies_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisation_tallies
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
CREATE TRIGGER stance_tallies_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stance_tallies
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version();
