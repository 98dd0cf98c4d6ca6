-- CloudWatch Logs: log groups, their streams and the events in them. Events are kept in
-- the order they are read back (timestamp, then arrival: id); a group's retention deletes
-- its older events (a sweep, and reads skip them meanwhile). Tags are in resource_tags by
-- the group's ARN. Times are epoch milliseconds.
CREATE TABLE log_groups (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          TEXT NOT NULL,
    region              TEXT NOT NULL,
    name                TEXT NOT NULL,
    created_ms          INTEGER NOT NULL,
    retention_days      INTEGER,
    kms_key_id          TEXT,
    log_group_class     TEXT NOT NULL,
    deletion_protection INTEGER NOT NULL DEFAULT 0,
    stored_bytes        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX log_groups_name ON log_groups (account_id, region, name);
CREATE TABLE log_streams (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id            INTEGER NOT NULL,
    name                TEXT NOT NULL,
    created_ms          INTEGER NOT NULL,
    first_event_ms      INTEGER,
    last_event_ms       INTEGER,
    last_ingestion_ms   INTEGER
);
CREATE UNIQUE INDEX log_streams_name ON log_streams (group_id, name);
CREATE TABLE log_events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id            INTEGER NOT NULL,
    stream_id           INTEGER NOT NULL,
    timestamp_ms        INTEGER NOT NULL,
    ingestion_ms        INTEGER NOT NULL,
    message             TEXT NOT NULL
);
CREATE INDEX log_events_stream ON log_events (stream_id, timestamp_ms, id);
CREATE INDEX log_events_group ON log_events (group_id, timestamp_ms, id);
