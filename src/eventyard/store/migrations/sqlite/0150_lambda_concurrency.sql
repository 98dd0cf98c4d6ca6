-- Lambda's concurrency limits across server processes and nodes: each process leases
-- slots of a scope ("account:<id>" for the account's limit, "function:<account>:<region>:<name>"
-- for a function's reserved concurrency) and runs that many invocations at most; the
-- slots of all unexpired leases of a scope never exceed its limit. A process renews its
-- leases while it lives; a crashed one's expire.
CREATE TABLE lambda_concurrency_leases (
    scope      TEXT NOT NULL,
    holder     TEXT NOT NULL,     -- one server process
    slots      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,  -- epoch ms
    PRIMARY KEY (scope, holder)
);
CREATE INDEX lambda_concurrency_leases_by_holder ON lambda_concurrency_leases (holder);
