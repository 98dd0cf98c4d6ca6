-- SNS: topics, subscriptions, FIFO deduplication, and the key that signs notifications.
-- Times are epoch milliseconds.
CREATE TABLE sns_topics (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL UNIQUE,
    fifo          INTEGER NOT NULL,
    attributes    TEXT NOT NULL,
    data_protection_policy TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    sequence      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    UNIQUE (account_id, region, name)
);

CREATE TABLE sns_subscriptions (
    arn           TEXT COLLATE "C" PRIMARY KEY,
    topic_arn     TEXT COLLATE "C" NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    confirmed     INTEGER NOT NULL,
    token         TEXT,
    attributes    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, arn);
CREATE INDEX sns_subscriptions_owner ON sns_subscriptions (account_id, region, arn);
CREATE INDEX sns_subscriptions_token ON sns_subscriptions (token);

CREATE TABLE sns_dedup (
    topic_id      BIGINT NOT NULL,
    scope_key     TEXT NOT NULL,
    dedup_id      TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    sequence      TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (topic_id, scope_key, dedup_id)
);
CREATE INDEX sns_dedup_expiry ON sns_dedup (expires_at);

CREATE TABLE sns_signing_keys (
    id            INTEGER PRIMARY KEY,
    private_key   TEXT NOT NULL,
    certificate   TEXT NOT NULL
);
