-- Sign-in throttling and two-factor sign-in.

-- Failed sign-ins, by account ("account:<email>") and by address
-- ("address:<ip>"); kept in the database so that every instance agrees.
CREATE TABLE login_failures (
    id {{id}},
    throttle_key TEXT NOT NULL,
    at {{time}} NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (throttle_key, at);

-- TOTP secrets (RFC 6238) for policy and admin accounts, and one-time
-- recovery codes, stored hashed.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at {{time}};

CREATE TABLE recovery_codes (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at {{time}}
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- A session waiting for its second factor is not signed in yet.
ALTER TABLE sessions ADD COLUMN pending_user_id BIGINT REFERENCES users (id) ON DELETE CASCADE;
