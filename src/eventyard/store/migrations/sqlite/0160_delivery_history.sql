-- The console's fan-out history, kept only while the server keeps a history
-- (--event-history N) and trimmed in the background like event_history:
-- topic_history: each message a topic accepted, with the outcome per confirmed
-- subscription decided in the publish's own unit of work (outcomes: JSON object,
-- subscription ARN -> delivered | queued | filtered);
-- delivery_attempts: every outbox attempt of an event's target or a message's
-- subscription (outcome: delivered | retrying | failed | dead-lettered).
CREATE TABLE topic_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_arn    TEXT NOT NULL,
    published_at INTEGER NOT NULL,  -- epoch ms
    message_id   TEXT NOT NULL,
    message      TEXT NOT NULL,     -- JSON: message, subject, attributes
    outcomes     TEXT NOT NULL
);
CREATE INDEX topic_history_by_topic ON topic_history (topic_arn, id);
CREATE INDEX topic_history_by_message ON topic_history (message_id);

CREATE TABLE delivery_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,     -- the event's id or the SNS message's id
    target     TEXT NOT NULL,     -- "<rule ARN> <target id>" or the subscription ARN
    attempt    INTEGER NOT NULL,
    at         INTEGER NOT NULL,  -- epoch ms
    outcome    TEXT NOT NULL,
    error      TEXT,
    next_at    INTEGER,           -- the next attempt's due time (retrying)
    dead_letter_arn TEXT          -- where the message went when retries ended
);
CREATE INDEX delivery_attempts_by_message ON delivery_attempts (message_id, id);

-- The console pages an archive's events newest first by id (a keyset page): without
-- this, every page sorts all of the archive's events.
CREATE INDEX archived_events_by_id ON archived_events (archive_arn, id);
