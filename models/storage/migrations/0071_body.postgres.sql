-- The membership body's identity (/admin/body): one row, printed on every
-- export. Without the row the tracker uses models.DefaultBody.
CREATE TABLE body (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    postal TEXT NOT NULL DEFAULT '',
    logo BYTEA,
    logo_type TEXT NOT NULL DEFAULT '',
    logo_updated_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
