-- EventBridge archives, their events, and replays. Times: created/replay start and end
-- in epoch seconds (as buses); archived_at, event times and windows in epoch ms.
CREATE TABLE event_archives (
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    arn                TEXT COLLATE "C" NOT NULL UNIQUE,
    source_arn         TEXT COLLATE "C" NOT NULL,
    description        TEXT,
    event_pattern      TEXT,
    retention_days     INTEGER NOT NULL,  -- 0: kept forever
    kms_key_identifier TEXT,
    state              TEXT NOT NULL,
    state_reason       TEXT,
    created_at         DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX event_archives_source ON event_archives (source_arn);

-- One row per archived event, written in the transaction that accepted it.
CREATE TABLE archived_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    archive_arn TEXT COLLATE "C" NOT NULL,
    archived_at BIGINT NOT NULL,
    event_time  BIGINT NOT NULL,  -- the event's own time: replay windows select on it
    size_bytes  BIGINT NOT NULL,
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
    name            TEXT COLLATE "C" NOT NULL,
    arn             TEXT COLLATE "C" NOT NULL UNIQUE,
    archive_arn     TEXT COLLATE "C" NOT NULL,
    description     TEXT,
    destination     TEXT NOT NULL,  -- JSON: {"Arn": ..., "FilterArns": [...]}
    event_start     BIGINT NOT NULL,
    event_end       BIGINT NOT NULL,
    state           TEXT NOT NULL,
    state_reason    TEXT,
    replay_start    DOUBLE PRECISION NOT NULL,
    replay_end      DOUBLE PRECISION,
    last_replayed   BIGINT,
    replay_cursor   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX event_replays_state ON event_replays (state);
