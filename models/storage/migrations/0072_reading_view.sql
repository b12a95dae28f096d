-- The reading view pages through a proposal's submitted responses by keyset
-- (seek), never by OFFSET, so a late page costs what the first does. Each
-- order it offers walks an index: by submission (responses_by_proposal_time,
-- 0030), by stance and then submission (below), and by organisation name
-- (below, probing each organisation's response by its unique key).
CREATE INDEX responses_by_proposal_stance ON responses (proposal_id, status, stance, submitted_at, id);
CREATE INDEX organisations_by_name_id ON organisations (name, id);
