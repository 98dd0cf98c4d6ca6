-- Step Functions: state machines (their versions and aliases), executions with their
-- interpreter state, history, events waiting to be applied, task tokens and activities.
-- Definitions are kept once per text (by hash): an execution runs the definition it
-- started with even after UpdateStateMachine. Times are epoch milliseconds.
CREATE TABLE sfn_definitions (
    hash        TEXT PRIMARY KEY,
    body        TEXT NOT NULL
);
CREATE TABLE sfn_state_machines (
    arn             TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    machine_type    TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    description     TEXT,
    config          TEXT NOT NULL,    -- JSON: loggingConfiguration, tracingConfiguration, encryption
    revision_id     TEXT NOT NULL,
    next_version    INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX sfn_state_machines_name ON sfn_state_machines (account_id, region, name);
CREATE TABLE sfn_versions (
    arn             TEXT PRIMARY KEY,
    machine_arn     TEXT NOT NULL,
    version         INTEGER NOT NULL,
    definition_hash TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    description     TEXT,
    config          TEXT NOT NULL,
    revision_id     TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sfn_versions_machine ON sfn_versions (machine_arn, version);
CREATE TABLE sfn_aliases (
    arn             TEXT PRIMARY KEY,
    machine_arn     TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    routing         TEXT NOT NULL,    -- JSON list of {stateMachineVersionArn, weight}
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX sfn_aliases_machine ON sfn_aliases (machine_arn);
CREATE TABLE sfn_executions (
    arn             TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    machine_arn     TEXT NOT NULL,    -- the state machine (never a version or alias)
    version_arn     TEXT,
    alias_arn       TEXT,
    name            TEXT NOT NULL,
    machine_type    TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    status          TEXT NOT NULL,
    input           TEXT NOT NULL,
    output          TEXT,
    error           TEXT,
    cause           TEXT,
    trace_header    TEXT,
    state           TEXT NOT NULL,    -- the interpreter's ExecutionState JSON
    event_count     INTEGER NOT NULL DEFAULT 0,
    redrive_count   INTEGER NOT NULL DEFAULT 0,
    redrive_date    INTEGER,
    start_date      INTEGER NOT NULL,
    stop_date       INTEGER
);
CREATE INDEX sfn_executions_machine ON sfn_executions (machine_arn, start_date);
CREATE TABLE sfn_history (
    execution_arn   TEXT NOT NULL,
    id              INTEGER NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);
CREATE TABLE sfn_inbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn   TEXT NOT NULL,
    body            TEXT NOT NULL     -- JSON: one interpreter event
);
CREATE INDEX sfn_inbox_execution ON sfn_inbox (execution_arn, id);
CREATE TABLE sfn_tasks (
    token           TEXT PRIMARY KEY,
    execution_arn   TEXT NOT NULL,
    task_id         TEXT NOT NULL,
    activity_arn    TEXT,             -- an activity's task, until a worker takes it
    input           TEXT,
    status          TEXT NOT NULL,    -- WAITING | STARTED | CLOSED
    worker_name     TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sfn_tasks_activity ON sfn_tasks (activity_arn, status, created_at);
CREATE INDEX sfn_tasks_execution ON sfn_tasks (execution_arn, task_id);
CREATE TABLE sfn_activities (
    arn             TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
