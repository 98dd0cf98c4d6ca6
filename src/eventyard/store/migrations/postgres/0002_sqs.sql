-- SQS: queues, messages, FIFO groups and deduplication, receive attempts, move tasks.
-- Times are epoch milliseconds (BIGINT); text keys use the "C" collation, as in 0001.
-- Queue ids are never reused (identity), so rows of a deleted queue can be swept later
-- without touching a new queue.
CREATE TABLE sqs_queues (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id             TEXT NOT NULL,
    region                 TEXT NOT NULL,
    name                   TEXT COLLATE "C" NOT NULL,
    arn                    TEXT COLLATE "C" NOT NULL UNIQUE,
    fifo                   INTEGER NOT NULL,
    attributes             TEXT NOT NULL,  -- JSON: the settable attributes, as AWS spells their values
    dead_letter_target_arn TEXT COLLATE "C", -- RedrivePolicy's target, for ListDeadLetterSourceQueues
    created_at             BIGINT NOT NULL,
    modified_at            BIGINT NOT NULL,
    purged_at              BIGINT,
    purged_upto            BIGINT NOT NULL DEFAULT 0,  -- messages with id <= this were purged
    UNIQUE (account_id, region, name)
);
CREATE INDEX sqs_queues_dead_letter ON sqs_queues (dead_letter_target_arn, name)
    WHERE dead_letter_target_arn IS NOT NULL;

-- A name cannot be reused for 60 s after DeleteQueue.
CREATE TABLE sqs_deleted_queues (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX sqs_deleted_queues_age ON sqs_deleted_queues (deleted_at);

-- Rows of purged or deleted queues, removed in the background in bounded chunks.
CREATE TABLE sqs_cleanups (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id BIGINT NOT NULL,
    upto     BIGINT NOT NULL,  -- message ids <= upto go
    dropped  INTEGER NOT NULL   -- 1: the queue is gone, its FIFO state goes too
);

-- Per-queue FIFO SequenceNumber counter (strictly increasing; one row per FIFO queue).
CREATE TABLE sqs_sequences (
    queue_id BIGINT PRIMARY KEY,
    next_seq BIGINT NOT NULL
);

CREATE TABLE sqs_messages (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id               BIGINT NOT NULL,
    message_id             TEXT NOT NULL,
    body                   TEXT NOT NULL,
    attributes             TEXT,     -- JSON of message attributes (Binary as base64)
    attributes_md5         TEXT,     -- MD5OfMessageAttributes computed at send
    system_attributes      TEXT,     -- JSON (AWSTraceHeader)
    system_attributes_md5  TEXT,
    sender_id              TEXT NOT NULL,
    sent_at                BIGINT NOT NULL,
    visible_at             BIGINT NOT NULL,
    expires_at             BIGINT NOT NULL,
    receive_count          BIGINT NOT NULL DEFAULT 0,
    first_received_at      BIGINT,
    received_at            BIGINT,  -- latest receive: ChangeMessageVisibility's 12 h limit
    receipt_token          TEXT,     -- new on every receive; part of the receipt handle
    group_id               TEXT COLLATE "C",
    dedup_id               TEXT,
    seq                    BIGINT,  -- FIFO SequenceNumber (NULL on standard queues)
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
    queue_id     BIGINT NOT NULL,
    group_id     TEXT COLLATE "C" NOT NULL,
    available_at BIGINT NOT NULL,
    PRIMARY KEY (queue_id, group_id)
);
CREATE INDEX sqs_fifo_groups_ready ON sqs_fifo_groups (queue_id, available_at);

-- FIFO deduplication ids, remembered for 5 minutes even after the message is deleted.
CREATE TABLE sqs_fifo_dedup (
    queue_id   BIGINT NOT NULL,
    scope      TEXT COLLATE "C" NOT NULL,  -- '' for the queue, else the message group
    dedup_id   TEXT COLLATE "C" NOT NULL,
    message_id TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (queue_id, scope, dedup_id)
);
CREATE INDEX sqs_fifo_dedup_expiry ON sqs_fifo_dedup (expires_at);

-- FIFO ReceiveRequestAttemptId: the messages one receive attempt returned.
CREATE TABLE sqs_receive_attempts (
    queue_id      BIGINT NOT NULL,
    attempt_id    TEXT COLLATE "C" NOT NULL,
    receipt_token TEXT NOT NULL,
    message_ids   TEXT NOT NULL,  -- JSON list of sqs_messages.id
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (queue_id, attempt_id)
);
CREATE INDEX sqs_receive_attempts_expiry ON sqs_receive_attempts (expires_at);

-- StartMessageMoveTask (dead-letter queue redrive).
CREATE TABLE sqs_move_tasks (
    task_handle     TEXT COLLATE "C" PRIMARY KEY,
    source_queue_id BIGINT NOT NULL,
    source_arn      TEXT COLLATE "C" NOT NULL,
    destination_arn TEXT,
    max_per_second  BIGINT,
    status          TEXT NOT NULL,
    started_at      BIGINT NOT NULL,
    upto            BIGINT NOT NULL,  -- only messages present at the start move
    moved           BIGINT NOT NULL DEFAULT 0,
    to_move         BIGINT NOT NULL,
    failure_reason  TEXT
);
CREATE INDEX sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);
CREATE INDEX sqs_move_tasks_status ON sqs_move_tasks (status);
