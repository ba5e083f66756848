-- Cases handled across levels: cases, their timeline, idempotency keys, the notification
-- outbox, the holiday calendar, paper handoff batches and ratings (PostgreSQL).

CREATE TABLE cases (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    item_code           TEXT NOT NULL REFERENCES service_items(code),
    item_name           TEXT NOT NULL,
    channel             TEXT NOT NULL,
    applicant_name      TEXT NOT NULL,
    applicant_id        TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL,
    proxy_name          TEXT,
    proxy_id            TEXT,
    proxy_phone         TEXT,
    proxy_relation      TEXT,
    proxy_authorisation TEXT,
    region_code         TEXT COLLATE "C" NOT NULL REFERENCES regions(code),
    intake_station      TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    completing_station  TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    current_station     TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    status              TEXT NOT NULL,
    deadline            DATE NOT NULL,
    state               TEXT NOT NULL,
    checklist           TEXT NOT NULL,
    originals_station   TEXT REFERENCES stations(code),
    originals_status    TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    completed_at        TIMESTAMPTZ
);
CREATE INDEX cases_current ON cases(current_station, status, deadline);
CREATE INDEX cases_intake ON cases(intake_station, status);
CREATE INDEX cases_deadline ON cases(status, deadline);
CREATE INDEX cases_applicant ON cases(applicant_id);

CREATE TABLE case_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    station_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    description  TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (actor, key)
);

CREATE TABLE notification_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    phone           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    sent_by         TEXT,
    last_error      TEXT
);
CREATE INDEX notification_outbox_pending ON notification_outbox(sent_at, next_attempt_at, id);

CREATE TABLE holidays (
    date       DATE PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE handoff_batches (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    from_station TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    to_station   TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    status       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    received_by  TEXT,
    received_at  TIMESTAMPTZ,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX handoff_batches_to ON handoff_batches(to_station, status);
CREATE INDEX handoff_batches_from ON handoff_batches(from_station, status);

CREATE TABLE handoff_items (
    batch_id   BIGINT NOT NULL REFERENCES handoff_batches(id),
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    status     TEXT NOT NULL,
    checked_at TIMESTAMPTZ,
    PRIMARY KEY (batch_id, case_id)
);
CREATE INDEX handoff_items_case ON handoff_items(case_id);

CREATE TABLE case_ratings (
    case_id      BIGINT PRIMARY KEY REFERENCES cases(id),
    station_code TEXT COLLATE "C" NOT NULL REFERENCES stations(code),
    score        SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_ratings_station ON case_ratings(station_code);
