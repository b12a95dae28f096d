-- A counted sign-in attempt is pending until its password (or code) has been
-- checked; only settled failures count against a network address, so that a
-- whole trust signing in at once from one address is not refused.
ALTER TABLE login_failures ADD COLUMN failed BOOLEAN NOT NULL DEFAULT FALSE;
