-- The collective response is edited part by part: the introduction and each
-- section carry their own version, so editors of different parts never
-- refuse each other; the document's version still counts every save.

ALTER TABLE collective_responses ADD COLUMN intro_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collective_responses ADD COLUMN intro_updated_by BIGINT REFERENCES users (id);
ALTER TABLE collective_responses ADD COLUMN intro_updated_at {{time}};
UPDATE collective_responses SET intro_version = 1, intro_updated_by = updated_by, intro_updated_at = updated_at
    WHERE introduction <> '';

ALTER TABLE collective_sections ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE collective_sections ADD COLUMN updated_by BIGINT REFERENCES users (id);

-- What a version did that comparing its text with the one before does not
-- show: "Restored from version 4", "Edited during review by …: back to draft".
ALTER TABLE collective_versions ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- An edit refused because someone saved the same part first: kept, so that
-- nothing typed is lost, and listed with the versions.
CREATE TABLE collective_refused_edits (
    id {{id}},
    collective_id BIGINT NOT NULL REFERENCES collective_responses (id) ON DELETE CASCADE,
    part TEXT NOT NULL, -- 'introduction' or a proposal ref
    at_version INTEGER NOT NULL, -- the document's version when it was refused
    conflicted_by BIGINT REFERENCES users (id), -- who had saved the part first
    conflicted_at {{time}},
    text TEXT NOT NULL, -- JSON: the introduction, or the section as typed
    refused_by BIGINT REFERENCES users (id),
    refused_at {{time}} NOT NULL
);
CREATE INDEX collective_refused_edits_by_collective ON collective_refused_edits (collective_id, at_version);
