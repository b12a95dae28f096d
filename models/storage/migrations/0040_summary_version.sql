-- One number that moves whenever anything a proposal summary or a
-- consultation overview shows is written. Every instance keeps summaries
-- in memory labelled with the number they were computed at, and serves one
-- only while the number in the database is still the same. The triggers
-- that move it are in 0040_summary_version.sqlite.sql and .postgres.sql,
-- because SQLite and PostgreSQL write triggers differently.
CREATE TABLE summary_version (
    id INTEGER PRIMARY KEY,
    v BIGINT NOT NULL
);
INSERT INTO summary_version (id, v) VALUES (1, 0);
