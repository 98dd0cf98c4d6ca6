-- The delivery outbox moves into the durable job table: one table, one claim with a
-- lease, one fence for every piece of background work. A row's lane is the runtime that
-- claims it: 'outbox' (deliveries) or 'jobs' (timers, execution steps); its kind picks the
-- handler within the lane (a delivery's is '<origin>:<target_kind>'). Claims look for the
-- earliest due rows of one lane, hence the index.
ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'jobs';
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (lane, due_at);
-- Undelivered rows carry over as they were (attempts, due time, last error); the job
-- payload wraps the delivery's target and payload, both already JSON text.
INSERT INTO jobs (lane, kind, payload, attempts, created_at, due_at, last_error)
SELECT 'outbox', origin || ':' || target_kind,
       '{"account_id":' || to_json(account_id)::text || ',"region":' || to_json(region)::text
           || ',"target":' || target || ',"payload":' || payload || '}',
       attempts, created_at, due_at, last_error
FROM deliveries ORDER BY id;
DROP TABLE deliveries;
