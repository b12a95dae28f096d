-- The policy team's workspace: analyst coding, internal notes, quotes, the
-- collective response with its versions, imports, invitations and the audit log.

-- Concern codes the policy team adds to a submitted response, kept apart
-- from the member's own choice in response_concerns.
CREATE TABLE response_codings (
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    coded_by BIGINT REFERENCES users (id),
    coded_at {{time}} NOT NULL,
    PRIMARY KEY (response_id, concern_id)
);
CREATE INDEX response_codings_by_concern ON response_codings (concern_id, response_id);

-- Internal notes on a response; never shown to members.
CREATE TABLE response_notes (
    id {{id}},
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    created_at {{time}} NOT NULL
);
CREATE INDEX response_notes_by_response ON response_notes (response_id, id);

-- A passage of a member's comment picked for the collective response.
CREATE TABLE quotes (
    id {{id}},
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    excerpt TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at {{time}} NOT NULL
);
CREATE INDEX quotes_by_response ON quotes (response_id);

-- One collective response per consultation.
CREATE TABLE collective_responses (
    id {{id}},
    consultation_id BIGINT NOT NULL UNIQUE REFERENCES consultations (id),
    introduction TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved')),
    version INTEGER NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at {{time}} NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at {{time}},
    created_at {{time}} NOT NULL
);

CREATE TABLE collective_sections (
    id {{id}},
    collective_id BIGINT NOT NULL REFERENCES collective_responses (id) ON DELETE CASCADE,
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    position TEXT NOT NULL CHECK (position IN ('support', 'support_with_amendments', 'oppose', 'no_position')),
    statement TEXT NOT NULL DEFAULT '',
    updated_at {{time}} NOT NULL,
    UNIQUE (collective_id, proposal_id)
);

CREATE TABLE collective_section_quotes (
    section_id BIGINT NOT NULL REFERENCES collective_sections (id) ON DELETE CASCADE,
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    PRIMARY KEY (section_id, quote_id)
);

-- Every save of a collective response, as a JSON snapshot of its text and,
-- once approved, of its figures as they were.
CREATE TABLE collective_versions (
    id {{id}},
    collective_id BIGINT NOT NULL REFERENCES collective_responses (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    saved_by BIGINT REFERENCES users (id),
    saved_at {{time}} NOT NULL,
    UNIQUE (collective_id, version)
);

-- Each CSV import of responses.
CREATE TABLE imports (
    id {{id}},
    filename TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    created_count INTEGER NOT NULL,
    replaced_count INTEGER NOT NULL,
    imported_by BIGINT REFERENCES users (id),
    imported_at {{time}} NOT NULL
);

-- One-time links an admin hands to a new user to set their password.
CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id),
    created_at {{time}} NOT NULL,
    expires_at {{time}} NOT NULL,
    used_at {{time}}
);
CREATE INDEX invites_by_user ON invites (user_id);

-- Who did what, when.
CREATE TABLE audit_log (
    id {{id}},
    at {{time}} NOT NULL,
    user_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_action ON audit_log (action, at);
CREATE INDEX audit_log_by_user ON audit_log (user_id, at);
