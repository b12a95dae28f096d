-- On PostgreSQL every writing transaction moved the one summary_version
-- row, so writers of different proposals queued on its row lock until
-- commit. The version becomes the sum of 16 rows, each only ever growing:
-- a PostgreSQL transaction moves the row of its connection (see
-- 0041_summary_version_shards.postgres.sql), so concurrent writers rarely meet, and any write
-- still moves the sum. SQLite has one writer and keeps moving row 1.
INSERT INTO summary_version (id, v) VALUES (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0),
    (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0), (16, 0);
