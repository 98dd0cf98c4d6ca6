-- EventBridge rules and their targets. A bus's rules_version moves on every change to
-- its rules or targets, so every node can tell that its compiled matcher is stale.
ALTER TABLE event_buses ADD COLUMN rules_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE event_rules (
    account_id          TEXT NOT NULL,
    region              TEXT NOT NULL,
    bus                 TEXT NOT NULL,
    name                TEXT NOT NULL,
    arn                 TEXT NOT NULL UNIQUE,
    event_pattern       TEXT,
    schedule_expression TEXT,
    state               TEXT NOT NULL,
    description         TEXT,
    role_arn            TEXT,
    managed_by          TEXT,
    created_by          TEXT NOT NULL,
    created_at          INTEGER NOT NULL,  -- epoch ms; schedules count rate() from here
    PRIMARY KEY (account_id, region, bus, name)
);
CREATE INDEX event_rules_scheduled ON event_rules (schedule_expression) WHERE schedule_expression IS NOT NULL;

-- spec: the Target as PutTargets took it (JSON); position keeps PutTargets' order.
CREATE TABLE event_targets (
    rule_arn   TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    target_arn TEXT NOT NULL,
    spec       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (rule_arn, target_id)
);
CREATE INDEX event_targets_by_arn ON event_targets (target_arn, rule_arn);
