-- CloudWatch Logs: log groups, their streams and the events in them. Events are kept in
-- the order they are read back (timestamp, then arrival: id); a group's retention deletes
-- its older events (a sweep, and reads skip them meanwhile). Tags are in resource_tags by
-- the group's ARN. Times are epoch milliseconds.
CREATE TABLE log_groups (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          TEXT NOT NULL,
    region              TEXT NOT NULL,
    name                TEXT COLLATE "C" NOT NULL,
    created_ms          BIGINT NOT NULL,
    retention_days      INTEGER,
    kms_key_id          TEXT,
    log_group_class     TEXT NOT NULL,
    deletion_protection INTEGER NOT NULL DEFAULT 0,
    stored_bytes        BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX log_groups_name ON log_groups (account_id, region, name);
CREATE TABLE log_streams (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id            BIGINT NOT NULL,
    name                TEXT COLLATE "C" NOT NULL,
    created_ms          BIGINT NOT NULL,
    first_event_ms      BIGINT,
    last_event_ms       BIGINT,
    last_ingestion_ms   BIGINT
);
CREATE UNIQUE INDEX log_streams_name ON log_streams (group_id, name);
CREATE TABLE log_events (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id            BIGINT NOT NULL,
    stream_id           BIGINT NOT NULL,
    timestamp_ms        BIGINT NOT NULL,
    ingestion_ms        BIGINT NOT NULL,
    message             TEXT NOT NULL
);
CREATE INDEX log_events_stream ON log_events (stream_id, timestamp_ms, id);
CREATE INDEX log_events_group ON log_events (group_id, timestamp_ms, id);
