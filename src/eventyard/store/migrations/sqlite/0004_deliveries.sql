-- The delivery outbox: one row per pending invocation of a target, written in the same
-- transaction as what caused it (PutEvents, Publish). A worker claims due rows by moving
-- due_at past a lease; a crashed worker's rows come due again when the lease runs out.
-- Times are epoch milliseconds.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    origin      TEXT NOT NULL,     -- who decides retries and dead letters: 'events', 'sns'
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    target_kind TEXT NOT NULL,     -- which deliverer invokes it: 'sqs', 'http', 'events' ...
    target      TEXT NOT NULL,     -- JSON, the deliverer's view of the target
    payload     TEXT NOT NULL,     -- JSON, the origin's view of what to deliver
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    last_error  TEXT
);
CREATE INDEX deliveries_due ON deliveries (due_at);
