-- Event buses and resource tags (EventBridge first slice).
-- Keys and names use the "C" collation: code point order, like SQLite, whatever the
-- database default; listings and NextToken resume keys then agree on both backends.
CREATE TABLE event_buses (
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    arn                TEXT COLLATE "C" NOT NULL UNIQUE,
    description        TEXT,
    kms_key_identifier TEXT,
    dead_letter_arn    TEXT,
    policy             TEXT,
    log_config         TEXT,
    created_at         DOUBLE PRECISION NOT NULL,
    modified_at        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE resource_tags (
    arn   TEXT COLLATE "C" NOT NULL,
    key   TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
