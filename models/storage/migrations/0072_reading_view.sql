-- The reading view pages through a proposal's submitted responses by keyset
-- (seek), never by OFFSET, so a late page costs what the first does. Each
-- order walks an index that also holds what the filters test (stance,
-- consent, organisation), so that neither a page nor a count reads the wide
-- rows with their comments; only "has amendments" does.
-- By submission, oldest first.
CREATE INDEX responses_reading_by_time ON responses (proposal_id, status, submitted_at, id, stance, consent, organisation_id);
-- By stance (one stance at a time), then submission.
CREATE INDEX responses_reading_by_stance ON responses (proposal_id, status, stance, submitted_at, id, consent, organisation_id);
-- By organisation name: the organisations are walked in name order (with
-- their segment) and each one's response probed.
CREATE INDEX organisations_reading_by_name ON organisations (name, id, type, region, system_status);
CREATE INDEX responses_reading_by_organisation ON responses (organisation_id, proposal_id, status, stance, consent, submitted_at);
