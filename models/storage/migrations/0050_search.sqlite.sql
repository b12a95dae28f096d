-- Full-text search over responses' comment and amendments, with the
-- engine's own index (0050_search.postgres.sql for PostgreSQL).
--
-- SQLite: an external-content FTS5 table (the text is stored once, in
-- responses) with the 'porter' stemmer over 'unicode61' (letters and digits
-- of any script make words; diacritics are folded, so "cafe" finds "café").
-- Its triggers are FTS5's documented pattern: the old text is deleted with
-- the 'delete' command before the new text is added. An update that leaves
-- the text alone (a draft submitted, consent changed) skips both. The
-- insert trigger is dropped and made again around bulk imports
-- (deferSearchIndexing, models/storage/fulltext.go), in these words.
CREATE VIRTUAL TABLE responses_fts USING fts5(comment, amendments,
content = 'responses', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN INSERT INTO responses_fts (rowid, comment, amendments) VALUES (new.id, new.comment, new.amendments); END;
CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses BEGIN INSERT INTO responses_fts (responses_fts, rowid, comment, amendments) VALUES ('delete', old.id, old.comment, old.amendments); END;
CREATE TRIGGER responses_fts_update AFTER UPDATE OF id, comment, amendments ON responses
WHEN old.id <> new.id OR old.comment <> new.comment OR old.amendments <> new.amendments
BEGIN INSERT INTO responses_fts (responses_fts, rowid, comment, amendments) VALUES ('delete', old.id, old.comment, old.amendments); INSERT INTO responses_fts (rowid, comment, amendments) VALUES (new.id, new.comment, new.amendments); END;

-- Index the responses already stored.
INSERT INTO responses_fts (responses_fts) VALUES ('rebuild');
