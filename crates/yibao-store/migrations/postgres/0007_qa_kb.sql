-- Staff-edited entries of the policy Q&A knowledge base (PostgreSQL).
--
-- Each entry replaces the generated or bundled one with the same id, or adds a new one; `body`
-- is the entry as JSON. (Issue 6; 0004 was already merged, so this table has its own number.)
CREATE TABLE qa_kb_entries (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
