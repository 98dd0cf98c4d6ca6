-- One time unit in the schema: EventBridge's resource times (buses, connections, API
-- destinations, archives, replays) move from epoch seconds (DOUBLE PRECISION) to epoch milliseconds
-- (BIGINT), as every other stored time; existing rows are converted, rounded to the
-- millisecond. The API still answers in seconds: services convert at the store's edge.
ALTER TABLE event_buses
    ALTER COLUMN created_at TYPE BIGINT USING round(created_at * 1000)::bigint,
    ALTER COLUMN modified_at TYPE BIGINT USING round(modified_at * 1000)::bigint;
ALTER TABLE event_connections
    ALTER COLUMN created_at TYPE BIGINT USING round(created_at * 1000)::bigint,
    ALTER COLUMN modified_at TYPE BIGINT USING round(modified_at * 1000)::bigint,
    ALTER COLUMN authorized_at TYPE BIGINT USING round(authorized_at * 1000)::bigint;
ALTER TABLE event_api_destinations
    ALTER COLUMN created_at TYPE BIGINT USING round(created_at * 1000)::bigint,
    ALTER COLUMN modified_at TYPE BIGINT USING round(modified_at * 1000)::bigint;
ALTER TABLE event_archives
    ALTER COLUMN created_at TYPE BIGINT USING round(created_at * 1000)::bigint;
ALTER TABLE event_replays
    ALTER COLUMN replay_start TYPE BIGINT USING round(replay_start * 1000)::bigint,
    ALTER COLUMN replay_end TYPE BIGINT USING round(replay_end * 1000)::bigint;
