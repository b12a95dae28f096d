-- Tallies for the summaries, kept in the same transaction as every write
-- (models/tally.go), so that a summary reads a few dozen rows instead of
-- counting responses. Each organisation counts under eight segments: its
-- own (type, region, system status) and every roll-up in which some of
-- those are '' (meaning "all"), so any filter is one exact key.
-- The statements at the end fill them from the rows already stored.

-- Member organisations per segment.
CREATE TABLE organisation_tallies (
    org_type TEXT NOT NULL,
    region TEXT NOT NULL,
    system_status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_type, region, system_status)
);
CREATE INDEX organisation_tallies_by_region ON organisation_tallies (region, system_status, org_type);

-- Submitted responses per proposal, segment and stance; quotable counts
-- those whose members agreed to be quoted and wrote a comment.
CREATE TABLE stance_tallies (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    org_type TEXT NOT NULL,
    region TEXT NOT NULL,
    system_status TEXT NOT NULL,
    stance TEXT NOT NULL,
    n BIGINT NOT NULL,
    quotable BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, org_type, region, system_status, stance)
);
-- With the primary key, one index per field left free: a summary reads its
-- filter's row and the rows one field away (by type, by region, by system
-- status) through three index searches.
CREATE INDEX stance_tallies_by_region ON stance_tallies (proposal_id, region, system_status, org_type);
CREATE INDEX stance_tallies_by_type ON stance_tallies (proposal_id, org_type, system_status, region);

-- Submitted responses per proposal, segment and autonomy impact.
CREATE TABLE autonomy_tallies (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    org_type TEXT NOT NULL,
    region TEXT NOT NULL,
    system_status TEXT NOT NULL,
    autonomy INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, org_type, region, system_status, autonomy)
);

-- Submitted responses per proposal, segment and concern, by source: what
-- members chose ('member'), what the policy team coded ('analyst'), either
-- ('both').
CREATE TABLE concern_tallies (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    org_type TEXT NOT NULL,
    region TEXT NOT NULL,
    system_status TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('member', 'analyst', 'both')),
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    n BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, org_type, region, system_status, source, concern_id)
);

-- The summary's quotes are the first submitted, quotable responses.
CREATE INDEX responses_by_proposal_time ON responses (proposal_id, status, submitted_at, id);
-- The summary's non-responders are listed by name.
CREATE INDEX organisations_by_name ON organisations (name, code);

-- Every (proposal, organisation) without a submitted response, kept with
-- the tallies: the summary lists the first non-responders by name without
-- scanning every member organisation.
CREATE TABLE outstanding (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (proposal_id, organisation_id)
);

-- Quotable submitted responses in the summary's order, with their
-- organisation's segment, kept with the tallies: a filtered summary finds
-- its first quotes in this index instead of reading every response of the
-- segment.
CREATE TABLE quotable_responses (
    response_id BIGINT PRIMARY KEY REFERENCES responses (id),
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    submitted_at {{time}} NOT NULL,
    org_type TEXT NOT NULL,
    region TEXT NOT NULL,
    system_status TEXT NOT NULL
);
CREATE INDEX quotable_responses_in_order ON quotable_responses (proposal_id, submitted_at, response_id, org_type, region, system_status);

-- Fill the tallies from the rows already stored, as a recount would
-- (Store.VerifyTallies): each submitted response counts under the eight
-- roll-ups of its organisation's segment.
INSERT INTO outstanding (proposal_id, organisation_id)
SELECT p.id, o.id FROM proposals p CROSS JOIN organisations o
EXCEPT SELECT proposal_id, organisation_id FROM responses WHERE status = 'submitted';

INSERT INTO quotable_responses (response_id, proposal_id, submitted_at, org_type, region, system_status)
SELECT r.id, r.proposal_id, r.submitted_at, o.type, o.region, o.system_status
FROM responses r JOIN organisations o ON o.id = r.organisation_id
WHERE r.status = 'submitted' AND r.consent IN ('attributed', 'anonymised') AND r.comment <> '';

WITH rollups (all_types, all_regions, all_statuses) AS (VALUES (0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1))
INSERT INTO organisation_tallies (org_type, region, system_status, n)
SELECT CASE WHEN g.all_types = 1 THEN '' ELSE o.type END, CASE WHEN g.all_regions = 1 THEN '' ELSE o.region END,
    CASE WHEN g.all_statuses = 1 THEN '' ELSE o.system_status END, COUNT(*)
FROM organisations o CROSS JOIN rollups g
GROUP BY 1, 2, 3;

WITH rollups (all_types, all_regions, all_statuses) AS (VALUES (0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1))
INSERT INTO stance_tallies (proposal_id, org_type, region, system_status, stance, n, quotable)
SELECT r.proposal_id, CASE WHEN g.all_types = 1 THEN '' ELSE o.type END, CASE WHEN g.all_regions = 1 THEN '' ELSE o.region END,
    CASE WHEN g.all_statuses = 1 THEN '' ELSE o.system_status END, r.stance, COUNT(*),
    SUM(CASE WHEN r.consent IN ('attributed', 'anonymised') AND r.comment <> '' THEN 1 ELSE 0 END)
FROM responses r JOIN organisations o ON o.id = r.organisation_id CROSS JOIN rollups g
WHERE r.status = 'submitted'
GROUP BY 1, 2, 3, 4, 5;

WITH rollups (all_types, all_regions, all_statuses) AS (VALUES (0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1))
INSERT INTO autonomy_tallies (proposal_id, org_type, region, system_status, autonomy, n)
SELECT r.proposal_id, CASE WHEN g.all_types = 1 THEN '' ELSE o.type END, CASE WHEN g.all_regions = 1 THEN '' ELSE o.region END,
    CASE WHEN g.all_statuses = 1 THEN '' ELSE o.system_status END, COALESCE(r.autonomy, 0), COUNT(*)
FROM responses r JOIN organisations o ON o.id = r.organisation_id CROSS JOIN rollups g
WHERE r.status = 'submitted'
GROUP BY 1, 2, 3, 4, 5;

-- By source: what members chose, what the policy team coded, and either.
WITH rollups (all_types, all_regions, all_statuses) AS (VALUES (0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1)),
links (source, response_id, concern_id) AS (
    SELECT 'member', response_id, concern_id FROM response_concerns
    UNION SELECT 'analyst', response_id, concern_id FROM response_codings
    UNION SELECT 'both', response_id, concern_id FROM response_concerns
    UNION SELECT 'both', response_id, concern_id FROM response_codings)
INSERT INTO concern_tallies (proposal_id, org_type, region, system_status, source, concern_id, n)
SELECT r.proposal_id, CASE WHEN g.all_types = 1 THEN '' ELSE o.type END, CASE WHEN g.all_regions = 1 THEN '' ELSE o.region END,
    CASE WHEN g.all_statuses = 1 THEN '' ELSE o.system_status END, x.source, x.concern_id, COUNT(*)
FROM links x JOIN responses r ON r.id = x.response_id JOIN organisations o ON o.id = r.organisation_id CROSS JOIN rollups g
WHERE r.status = 'submitted'
GROUP BY 1, 2, 3, 4, 5, 6;
