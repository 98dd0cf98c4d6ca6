-- SQS: queues, messages, FIFO groups and deduplication, receive attempts, move tasks.
-- Times are epoch milliseconds (INTEGER). Queue ids are never reused (AUTOINCREMENT),
-- so rows of a deleted queue can be swept later without touching a new queue.
CREATE TABLE sqs_queues (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id             TEXT NOT NULL,
    region                 TEXT NOT NULL,
    name                   TEXT NOT NULL,
    arn                    TEXT NOT NULL UNIQUE,
    fifo                   INTEGER NOT NULL,
    attributes             TEXT NOT NULL,  -- JSON: the settable attributes, as AWS spells their values
    dead_letter_target_arn TEXT,           -- RedrivePolicy's target, for ListDeadLetterSourceQueues
    created_at             INTEGER NOT NULL,
    modified_at            INTEGER NOT NULL,
    purged_at              INTEGER,
    purged_upto            INTEGER NOT NULL DEFAULT 0,  -- messages with id <= this were purged
    UNIQUE (account_id, region, name)
);
CREATE INDEX sqs_queues_dead_letter ON sqs_queues (dead_letter_target_arn, name)
    WHERE dead_letter_target_arn IS NOT NULL;

-- A name cannot be reused for 60 s after DeleteQueue.
CREATE TABLE sqs_deleted_queues (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX sqs_deleted_queues_age ON sqs_deleted_queues (deleted_at);

-- Rows of purged or deleted queues, removed in the background in bounded chunks.
CREATE TABLE sqs_cleanups (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id INTEGER NOT NULL,
    upto     INTEGER NOT NULL,  -- message ids <= upto go
    dropped  INTEGER NOT NULL   -- 1: the queue is gone, its FIFO state goes too
);

-- Per-queue FIFO SequenceNumber counter (strictly increasing; one row per FIFO queue).
CREATE TABLE sqs_sequences (
    queue_id INTEGER PRIMARY KEY,
    next_seq INTEGER NOT NULL
);

CREATE TABLE sqs_messages (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id               INTEGER NOT NULL,
    message_id             TEXT NOT NULL,
    body                   TEXT NOT NULL,
    attributes             TEXT,     -- JSON of message attributes (Binary as base64)
    attributes_md5         TEXT,     -- MD5OfMessageAttributes computed at send
    system_attributes      TEXT,     -- JSON (AWSTraceHeader)
    system_attributes_md5  TEXT,
    sender_id              TEXT NOT NULL,
    sent_at                INTEGER NOT NULL,
    visible_at             INTEGER NOT NULL,
    expires_at             INTEGER NOT NULL,
    receive_count          INTEGER NOT NULL DEFAULT 0,
    first_received_at      INTEGER,
    received_at            INTEGER,  -- latest receive: ChangeMessageVisibility's 12 h limit
    receipt_token          TEXT,     -- new on every receive; part of the receipt handle
    group_id               TEXT,
    dedup_id               TEXT,
    seq                    INTEGER,  -- FIFO SequenceNumber (NULL on standard queues)
    dead_letter_source_arn TEXT
);
-- Receives: the ready messages of a queue, oldest first.
CREATE INDEX sqs_messages_ready ON sqs_messages (queue_id, visible_at, id);
-- FIFO: a group's messages in order.
CREATE INDEX sqs_messages_group ON sqs_messages (queue_id, group_id, seq) WHERE seq IS NOT NULL;
-- Retention sweep.
CREATE INDEX sqs_messages_expiry ON sqs_messages (expires_at);

-- FIFO message groups that hold messages; available_at is when the group may next be
-- received from (its head's delay, or the end of its in-flight messages' visibility).
CREATE TABLE sqs_fifo_groups (
    queue_id     INTEGER NOT NULL,
    group_id     TEXT NOT NULL,
    available_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, group_id)
);
CREATE INDEX sqs_fifo_groups_ready ON sqs_fifo_groups (queue_id, available_at);

-- FIFO deduplication ids, remembered for 5 minutes even after the message is deleted.
CREATE TABLE sqs_fifo_dedup (
    queue_id   INTEGER NOT NULL,
    scope      TEXT NOT NULL,  -- '' for the queue, else the message group
    dedup_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, scope, dedup_id)
);
CREATE INDEX sqs_fifo_dedup_expiry ON sqs_fifo_dedup (expires_at);

-- FIFO ReceiveRequestAttemptId: the messages one receive attempt returned.
CREATE TABLE sqs_receive_attempts (
    queue_id      INTEGER NOT NULL,
    attempt_id    TEXT NOT NULL,
    receipt_token TEXT NOT NULL,
    message_ids   TEXT NOT NULL,  -- JSON list of sqs_messages.id
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (queue_id, attempt_id)
);
CREATE INDEX sqs_receive_attempts_expiry ON sqs_receive_attempts (expires_at);

-- StartMessageMoveTask (dead-letter queue redrive).
CREATE TABLE sqs_move_tasks (
    task_handle     TEXT PRIMARY KEY,
    source_queue_id INTEGER NOT NULL,
    source_arn      TEXT NOT NULL,
    destination_arn TEXT,
    max_per_second  INTEGER,
    status          TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    upto            INTEGER NOT NULL,  -- only messages present at the start move
    moved           INTEGER NOT NULL DEFAULT 0,
    to_move         INTEGER NOT NULL,
    failure_reason  TEXT
);
CREATE INDEX sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);
CREATE INDEX sqs_move_tasks_status ON sqs_move_tasks (status);
