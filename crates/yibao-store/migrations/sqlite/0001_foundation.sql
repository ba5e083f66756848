-- Regions, stations, catalog, delegation, staff, sessions and the audit log (SQLite).

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       SMALLINT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    lon         DOUBLE PRECISION,
    lat         DOUBLE PRECISION,
    population  BIGINT,
    generated   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX regions_parent ON regions(parent_code, code);
CREATE INDEX regions_level ON regions(level, code);

CREATE TABLE region_boundaries (
    region_code TEXT PRIMARY KEY REFERENCES regions(code),
    geojson     TEXT NOT NULL,
    source      TEXT NOT NULL
);

CREATE TABLE catalogs (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    issuer    TEXT NOT NULL,
    published TEXT NOT NULL,
    source    TEXT NOT NULL
);

CREATE TABLE service_items (
    code         TEXT PRIMARY KEY,
    catalog_code TEXT NOT NULL REFERENCES catalogs(code),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    category     TEXT NOT NULL,
    lowest_level SMALLINT NOT NULL,
    body         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE service_item_history (
    id         INTEGER PRIMARY KEY,
    item_code  TEXT NOT NULL REFERENCES service_items(code),
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    note       TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX service_item_history_item ON service_item_history(item_code, version);

CREATE TABLE stations (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    level         TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions(code),
    host_type     TEXT NOT NULL,
    parent_code   TEXT REFERENCES stations(code),
    lon           DOUBLE PRECISION,
    lat           DOUBLE PRECISION,
    location_generated BOOLEAN NOT NULL DEFAULT FALSE,
    address       TEXT NOT NULL,
    windows       INTEGER NOT NULL,
    phone         TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',
    closed_reason TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX stations_region ON stations(region_code, code);
CREATE INDEX stations_parent ON stations(parent_code);

CREATE TABLE delegations (
    station_code    TEXT NOT NULL REFERENCES stations(code),
    item_code       TEXT NOT NULL REFERENCES service_items(code),
    mode            TEXT NOT NULL CHECK (mode IN ('complete', 'accept_forward')),
    override_reason TEXT,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (station_code, item_code)
);
CREATE INDEX delegations_item ON delegations(item_code, station_code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_scope  TEXT,
    station_code  TEXT REFERENCES stations(code),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    region_code TEXT,
    detail    TEXT NOT NULL,
    ip        TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- The audit log is append-only: rows can be added, never changed or removed.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
