-- The first schema: consultations and their proposals, member organisations,
-- users and their sessions, the concern codebook, and responses with their
-- concern links and every saved revision.

CREATE TABLE consultations (
    id {{id}},
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    background TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    published_at {{time}} NOT NULL,
    closes_at {{time}} NOT NULL,
    member_deadline {{time}} NOT NULL,
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL
);

CREATE TABLE proposals (
    id {{id}},
    consultation_id BIGINT NOT NULL REFERENCES consultations (id),
    ref TEXT NOT NULL UNIQUE,
    group_title TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    change TEXT NOT NULL,
    power_direction TEXT NOT NULL CHECK (power_direction IN ('centralising', 'devolving', 'mixed', 'neutral')),
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL
);
CREATE INDEX proposals_by_consultation ON proposals (consultation_id, position);

CREATE TABLE organisations (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('acute', 'mental_health', 'community', 'ambulance', 'specialist', 'combined')),
    region TEXT NOT NULL,
    system TEXT NOT NULL,
    system_status TEXT NOT NULL CHECK (system_status IN ('ics', 'stp')),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL
);
CREATE INDEX organisations_by_segment ON organisations (type, region, system_status);

CREATE TABLE users (
    id {{id}},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'policy', 'admin')),
    organisation_id BIGINT REFERENCES organisations (id),
    password_hash TEXT NOT NULL,
    disabled_at {{time}},
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL,
    -- A member always belongs to an organisation; policy and admin never do.
    CHECK ((role = 'member' AND organisation_id IS NOT NULL) OR (role <> 'member' AND organisation_id IS NULL))
);
CREATE INDEX users_by_organisation ON users (organisation_id);

-- Sessions hold a hash of the cookie's token, never the token itself.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at {{time}} NOT NULL,
    seen_at {{time}} NOT NULL,
    expires_at {{time}} NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE concerns (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('central', 'local', 'delivery')),
    position INTEGER NOT NULL,
    created_at {{time}} NOT NULL
);

CREATE TABLE responses (
    id {{id}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    stance TEXT NOT NULL DEFAULT '' CHECK (stance IN ('', 'strongly_support', 'support', 'neutral', 'oppose', 'strongly_oppose')),
    autonomy INTEGER CHECK (autonomy BETWEEN -2 AND 2),
    comment TEXT NOT NULL DEFAULT '',
    amendments TEXT NOT NULL DEFAULT '',
    consent TEXT NOT NULL DEFAULT '' CHECK (consent IN ('', 'attributed', 'anonymised', 'private')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    version INTEGER NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    submitted_by BIGINT REFERENCES users (id),
    submitted_at {{time}},
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL,
    UNIQUE (organisation_id, proposal_id),
    -- A submitted response is always complete.
    CHECK (status = 'draft' OR (stance <> '' AND autonomy IS NOT NULL AND consent <> ''))
);
-- Summaries read submitted responses of one proposal, joined to their organisation.
CREATE INDEX responses_by_proposal ON responses (proposal_id, status, organisation_id);

CREATE TABLE response_concerns (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    PRIMARY KEY (response_id, concern_id)
);
CREATE INDEX response_concerns_by_concern ON response_concerns (concern_id, response_id);

-- Every save of a response, as it was saved; kind 'conflict' keeps a save
-- that was refused because a colleague had changed the response meanwhile.
CREATE TABLE response_revisions (
    id {{id}},
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('saved', 'conflict', 'import')),
    status TEXT NOT NULL,
    stance TEXT NOT NULL,
    autonomy INTEGER,
    concerns TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL,
    amendments TEXT NOT NULL,
    consent TEXT NOT NULL,
    saved_by BIGINT REFERENCES users (id),
    saved_at {{time}} NOT NULL
);
CREATE INDEX response_revisions_by_response ON response_revisions (response_id, id);
