-- One time unit in the schema: EventBridge's resource times (buses, connections, API
-- destinations, archives, replays) move from epoch seconds (REAL) to epoch milliseconds
-- (INTEGER), as every other stored time; existing rows are converted, rounded to the
-- millisecond. The API still answers in seconds: services convert at the store's edge.
-- SQLite cannot change a column's type: each moves through a new column (same name at the end).
ALTER TABLE event_buses ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_buses ADD COLUMN modified_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE event_buses SET created_at_ms = CAST(ROUND(created_at * 1000) AS INTEGER), modified_at_ms = CAST(ROUND(modified_at * 1000) AS INTEGER);
ALTER TABLE event_buses DROP COLUMN created_at;
ALTER TABLE event_buses RENAME COLUMN created_at_ms TO created_at;
ALTER TABLE event_buses DROP COLUMN modified_at;
ALTER TABLE event_buses RENAME COLUMN modified_at_ms TO modified_at;
ALTER TABLE event_connections ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_connections ADD COLUMN modified_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_connections ADD COLUMN authorized_at_ms INTEGER;
UPDATE event_connections SET created_at_ms = CAST(ROUND(created_at * 1000) AS INTEGER), modified_at_ms = CAST(ROUND(modified_at * 1000) AS INTEGER), authorized_at_ms = CAST(ROUND(authorized_at * 1000) AS INTEGER);
ALTER TABLE event_connections DROP COLUMN created_at;
ALTER TABLE event_connections RENAME COLUMN created_at_ms TO created_at;
ALTER TABLE event_connections DROP COLUMN modified_at;
ALTER TABLE event_connections RENAME COLUMN modified_at_ms TO modified_at;
ALTER TABLE event_connections DROP COLUMN authorized_at;
ALTER TABLE event_connections RENAME COLUMN authorized_at_ms TO authorized_at;
ALTER TABLE event_api_destinations ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_api_destinations ADD COLUMN modified_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE event_api_destinations SET created_at_ms = CAST(ROUND(created_at * 1000) AS INTEGER), modified_at_ms = CAST(ROUND(modified_at * 1000) AS INTEGER);
ALTER TABLE event_api_destinations DROP COLUMN created_at;
ALTER TABLE event_api_destinations RENAME COLUMN created_at_ms TO created_at;
ALTER TABLE event_api_destinations DROP COLUMN modified_at;
ALTER TABLE event_api_destinations RENAME COLUMN modified_at_ms TO modified_at;
ALTER TABLE event_archives ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE event_archives SET created_at_ms = CAST(ROUND(created_at * 1000) AS INTEGER);
ALTER TABLE event_archives DROP COLUMN created_at;
ALTER TABLE event_archives RENAME COLUMN created_at_ms TO created_at;
ALTER TABLE event_replays ADD COLUMN replay_start_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_replays ADD COLUMN replay_end_ms INTEGER;
UPDATE event_replays SET replay_start_ms = CAST(ROUND(replay_start * 1000) AS INTEGER), replay_end_ms = CAST(ROUND(replay_end * 1000) AS INTEGER);
ALTER TABLE event_replays DROP COLUMN replay_start;
ALTER TABLE event_replays RENAME COLUMN replay_start_ms TO replay_start;
ALTER TABLE event_replays DROP COLUMN replay_end;
ALTER TABLE event_replays RENAME COLUMN replay_end_ms TO replay_end;
