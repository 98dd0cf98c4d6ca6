-- The runtime's durable jobs: timers (a Wait of a year, a heartbeat timeout) and, next,
-- execution steps. A worker on any node claims due rows by moving due_at past a lease and
-- counting an attempt; the attempt count it claimed with fences its finish or reschedule,
-- so a worker whose lease ran out cannot finish a row another worker holds now.
-- A job may carry a key, unique within its kind, to be replaced or cancelled by it.
-- Times are epoch milliseconds.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,     -- which handler runs it
    job_key     TEXT,              -- e.g. a task token; NULL for jobs never looked up
    payload     TEXT NOT NULL,     -- JSON, the handler's view of the job
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    last_error  TEXT
);
CREATE INDEX jobs_due ON jobs (due_at);
CREATE UNIQUE INDEX jobs_key ON jobs (kind, job_key) WHERE job_key IS NOT NULL;
