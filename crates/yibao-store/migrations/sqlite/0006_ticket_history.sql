-- Ticket history imported from a station's previous queue system (or generated for the demo):
-- one row per issued ticket of a past day, the input of the tidal window planner's forecast
-- next to the tickets this system issued itself. A re-import replaces the days it covers.
CREATE TABLE counter_ticket_history (
    id            INTEGER PRIMARY KEY,
    station_code  TEXT NOT NULL REFERENCES stations(code),
    day           TEXT NOT NULL,
    minute_of_day REAL NOT NULL CHECK (minute_of_day >= 0 AND minute_of_day < 1440),
    prefix        TEXT NOT NULL,
    service_min   REAL CHECK (service_min IS NULL OR service_min >= 0),
    priority      BOOLEAN NOT NULL DEFAULT FALSE,
    FOREIGN KEY (station_code, prefix) REFERENCES counter_categories(station_code, prefix)
);
CREATE INDEX counter_ticket_history_day ON counter_ticket_history(station_code, day);
