-- EventBridge archives, their events, and replays. Times: created/replay start and end
-- in epoch seconds (REAL, as buses); archived_at, event times and windows in epoch ms.
CREATE TABLE event_archives (
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT NOT NULL,
    arn                TEXT NOT NULL UNIQUE,
    source_arn         TEXT NOT NULL,
    description        TEXT,
    event_pattern      TEXT,
    retention_days     INTEGER NOT NULL,  -- 0: kept forever
    kms_key_identifier TEXT,
    state              TEXT NOT NULL,
    state_reason       TEXT,
    created_at         REAL NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX event_archives_source ON event_archives (source_arn);

-- One row per archived event, written in the transaction that accepted it.
CREATE TABLE archived_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    archive_arn TEXT NOT NULL,
    archived_at INTEGER NOT NULL,
    event_time  INTEGER NOT NULL,  -- the event's own time: replay windows select on it
    size_bytes  INTEGER NOT NULL,
    event       TEXT NOT NULL
);
CREATE INDEX archived_events_by_event_time ON archived_events (archive_arn, event_time, id);
CREATE INDEX archived_events_by_time ON archived_events (archive_arn, archived_at);

-- Replays go through an archive in (event_time, id) order. (last_replayed, replay_cursor) is
-- the last event replayed; every step moves it in the same transaction as the deliveries
-- it wrote, so a restarted node resumes where it stopped.
CREATE TABLE event_replays (
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    arn             TEXT NOT NULL UNIQUE,
    archive_arn     TEXT NOT NULL,
    description     TEXT,
    destination     TEXT NOT NULL,  -- JSON: {"Arn": ..., "FilterArns": [...]}
    event_start     INTEGER NOT NULL,
    event_end       INTEGER NOT NULL,
    state           TEXT NOT NULL,
    state_reason    TEXT,
    replay_start    REAL NOT NULL,
    replay_end      REAL,
    last_replayed   INTEGER,
    replay_cursor   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX event_replays_state ON event_replays (state);
