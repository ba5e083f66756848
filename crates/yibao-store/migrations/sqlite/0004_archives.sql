-- Archives (档案) and the policy Q&A's unanswered questions (SQLite).
--
-- `archive_records` is the record of truth for the archive search; the tantivy index is derived
-- from it (`updated_at` lets a server catch up on records another process imported). A record
-- is keyed by the file it came from and its position in that file, so re-importing a changed
-- file updates its records instead of duplicating them; `content_hash` tells unchanged ones.

CREATE TABLE archive_records (
    id              INTEGER PRIMARY KEY,
    record_number   TEXT NOT NULL UNIQUE,
    id_number       TEXT,
    person_name     TEXT NOT NULL,
    record_type     TEXT NOT NULL,
    year            INTEGER NOT NULL,
    station         TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    title           TEXT NOT NULL,
    text            TEXT NOT NULL,
    source_file     TEXT NOT NULL,
    source_position INTEGER NOT NULL,
    content_hash    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (source_file, source_position)
);
CREATE INDEX archive_records_updated ON archive_records(updated_at);
CREATE INDEX archive_records_region ON archive_records(region_code);

CREATE TABLE qa_unanswered (
    id          INTEGER PRIMARY KEY,
    asked_at    TEXT NOT NULL,
    question    TEXT NOT NULL,
    confidence  DOUBLE PRECISION NOT NULL,
    channel     TEXT NOT NULL
);
CREATE INDEX qa_unanswered_asked ON qa_unanswered(asked_at);
