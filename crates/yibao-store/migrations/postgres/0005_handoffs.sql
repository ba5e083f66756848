-- Chain of custody for paper originals: who sent a handoff batch, items that arrived without
-- being listed, and the batch a case's originals travel in (PostgreSQL).

ALTER TABLE handoff_batches ADD COLUMN sent_by TEXT;
ALTER TABLE handoff_batches ADD COLUMN sent_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN originals_batch TEXT;

CREATE TABLE handoff_unexpected (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id    BIGINT NOT NULL REFERENCES handoff_batches(id),
    description TEXT NOT NULL,
    case_id     BIGINT REFERENCES cases(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX handoff_unexpected_batch ON handoff_unexpected(batch_id);
