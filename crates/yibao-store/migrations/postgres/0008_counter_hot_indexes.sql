-- Indexes for the counter's per-request reads, which otherwise grew with the day's history:
-- the wait estimate averages a station's (or a category's) latest finished calls (it read every
-- call of the station through counter_calls_day and sorted them), and a window's current
-- ticket was found among all tickets the window ever had.
CREATE INDEX counter_calls_finished ON counter_calls(station_code, ended_at) WHERE outcome = 'finished';
CREATE INDEX counter_calls_finished_category ON counter_calls(station_code, category, ended_at) WHERE outcome = 'finished';
CREATE INDEX counter_tickets_at_window ON counter_tickets(window_id, id) WHERE status IN ('called', 'serving');
