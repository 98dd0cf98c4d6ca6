-- Event buses and resource tags (EventBridge first slice).
CREATE TABLE event_buses (
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT NOT NULL,
    arn                TEXT NOT NULL UNIQUE,
    description        TEXT,
    kms_key_identifier TEXT,
    dead_letter_arn    TEXT,
    policy             TEXT,
    log_config         TEXT,
    created_at         REAL NOT NULL,
    modified_at        REAL NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE resource_tags (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
