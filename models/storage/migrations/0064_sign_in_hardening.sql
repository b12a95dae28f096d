-- Sign-in hardening: a key per database for what the server signs and
-- hashes, settings admins change on the website, hashed throttle keys.

-- Secrets the server derives its signing and hashing keys from, made once
-- per database (Store.serverSecret) so that every instance on one
-- PostgreSQL agrees. Never shown anywhere.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- Settings an admin changes on the website (/admin/security).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Throttle keys are stored hashed from now on; the old rows named emails and
-- addresses in clear, and are forgotten within a day anyway.
DELETE FROM login_failures;

-- Signed-out visitors no longer get a session row (their forms carry a
-- signed token); drop the ones already made.
DELETE FROM sessions WHERE user_id IS NULL AND pending_user_id IS NULL;

-- Sessions end by user, signed in or waiting for the second factor.
CREATE INDEX sessions_by_pending_user ON sessions (pending_user_id);
