-- What of a member's words may be quoted: the comment and the suggested
-- amendments (as before this choice existed, so every response stored until
-- now keeps meaning what it meant), or the comment only.
ALTER TABLE responses ADD COLUMN quote_scope TEXT NOT NULL DEFAULT 'comment_and_amendments'
    CHECK (quote_scope IN ('comment_and_amendments', 'comment_only'));
ALTER TABLE response_revisions ADD COLUMN quote_scope TEXT NOT NULL DEFAULT 'comment_and_amendments'
    CHECK (quote_scope IN ('comment_and_amendments', 'comment_only'));

-- A section the template filled from the figures is a suggestion until a
-- person saves it.
ALTER TABLE collective_sections ADD COLUMN suggested BOOLEAN NOT NULL DEFAULT FALSE;
