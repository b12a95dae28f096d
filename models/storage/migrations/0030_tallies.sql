-- Tallies for the summaries, kept in the same transaction as every write
-- (models/tally.go), so that a summary reads a few dozen rows instead of
-- counting responses. Each organisation counts under eight segments: its
-- own (type, region, system status) and every roll-up in which some of
-- those are '' (meaning "all"), so any filter is one exact key.
-- Migrate fills them from the existing rows once (a Go step after this file).

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
