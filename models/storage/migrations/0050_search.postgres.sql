-- Full-text search over responses' comment and amendments, with the
-- engine's own index (0050_search.sqlite.sql for SQLite).
--
-- PostgreSQL: a generated tsvector column under the 'english' configuration
-- (Snowball stemming, English stop words), kept by PostgreSQL itself. Its
-- parser reads <...> as an HTML tag and skips it (and a <script>'s
-- content): '<' and '>' become spaces first, so all of a member's text is
-- words. Queries fold them the same way (postgresTextFold).
ALTER TABLE responses ADD COLUMN search_vector tsvector
GENERATED ALWAYS AS (to_tsvector('english', translate(comment || ' ' || amendments, '<>', '  '))) STORED;
CREATE INDEX responses_search ON responses USING GIN (search_vector);
