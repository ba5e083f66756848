-- The counter (排队叫号): business categories and windows per station, daily ticket numbers,
-- tickets and their calls (one row per time a window called a ticket: the history that the
-- display board, the statistics and the per-window green streak read), appointment slot
-- calendars, per-slot booking counters (capacity enforced by a conditional update) and
-- appointments (PostgreSQL).

CREATE TABLE counter_categories (
    station_code TEXT NOT NULL REFERENCES stations(code),
    prefix       TEXT NOT NULL CHECK (length(prefix) = 1),
    name         TEXT NOT NULL,
    position     BIGINT NOT NULL,
    PRIMARY KEY (station_code, prefix)
);

CREATE TABLE counter_windows (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_code TEXT NOT NULL REFERENCES stations(code),
    number       BIGINT NOT NULL,
    name         TEXT NOT NULL,
    open         BOOLEAN NOT NULL DEFAULT TRUE,
    clerk        TEXT,
    clerk_name   TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    UNIQUE (station_code, number)
);

CREATE TABLE counter_window_categories (
    window_id    BIGINT NOT NULL REFERENCES counter_windows(id),
    station_code TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    PRIMARY KEY (window_id, prefix),
    FOREIGN KEY (station_code, prefix) REFERENCES counter_categories(station_code, prefix)
);

CREATE TABLE counter_sequences (
    station_code TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    day          TEXT NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (station_code, prefix, day)
);

CREATE TABLE counter_tickets (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_code   TEXT NOT NULL REFERENCES stations(code),
    day            TEXT NOT NULL,
    number         TEXT NOT NULL,
    category       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'finished', 'no_show')),
    green_reason   TEXT,
    appointment_id BIGINT,
    slot_start     TIMESTAMPTZ,
    issued_at      TIMESTAMPTZ NOT NULL,
    queued_at      TIMESTAMPTZ NOT NULL,
    window_id      BIGINT REFERENCES counter_windows(id),
    call_id        BIGINT,
    UNIQUE (station_code, day, number)
);
CREATE INDEX counter_tickets_queue ON counter_tickets(station_code, status, day);
CREATE INDEX counter_tickets_window ON counter_tickets(window_id, status);

CREATE TABLE counter_calls (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     BIGINT NOT NULL REFERENCES counter_tickets(id),
    station_code  TEXT NOT NULL,
    day           TEXT NOT NULL,
    number        TEXT NOT NULL,
    category      TEXT NOT NULL,
    window_id     BIGINT NOT NULL REFERENCES counter_windows(id),
    window_number BIGINT NOT NULL,
    clerk         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    queued_at     TIMESTAMPTZ NOT NULL,
    called_at     TIMESTAMPTZ NOT NULL,
    last_called_at TIMESTAMPTZ NOT NULL,
    recalls       BIGINT NOT NULL DEFAULT 0,
    serving_at    TIMESTAMPTZ,
    ended_at      TIMESTAMPTZ,
    outcome       TEXT CHECK (outcome IN ('finished', 'no_show', 'transferred'))
);
CREATE INDEX counter_calls_window ON counter_calls(window_id, id);
CREATE INDEX counter_calls_station ON counter_calls(station_code, last_called_at);
CREATE INDEX counter_calls_day ON counter_calls(station_code, day);

CREATE TABLE counter_calendars (
    station_code TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hours        TEXT NOT NULL,
    slot_minutes BIGINT NOT NULL,
    capacity     BIGINT NOT NULL,
    PRIMARY KEY (station_code, prefix),
    FOREIGN KEY (station_code, prefix) REFERENCES counter_categories(station_code, prefix)
);

CREATE TABLE counter_slot_bookings (
    station_code TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    slot_start   TIMESTAMPTZ NOT NULL,
    taken        BIGINT NOT NULL,
    PRIMARY KEY (station_code, prefix, slot_start)
);

CREATE TABLE counter_appointments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_code TEXT NOT NULL REFERENCES stations(code),
    prefix       TEXT NOT NULL,
    slot_start   TIMESTAMPTZ NOT NULL,
    slot_end     TIMESTAMPTZ NOT NULL,
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'no_show')),
    ticket_id    BIGINT REFERENCES counter_tickets(id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (station_code, prefix) REFERENCES counter_categories(station_code, prefix)
);
CREATE INDEX counter_appointments_slot ON counter_appointments(station_code, slot_start);
