-- SNS: topics, subscriptions, FIFO deduplication, and the key that signs notifications.
-- Times are epoch milliseconds.
CREATE TABLE sns_topics (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    arn           TEXT NOT NULL UNIQUE,
    fifo          INTEGER NOT NULL,
    attributes    TEXT NOT NULL,     -- JSON of the settable attributes, as AWS spells them
    data_protection_policy TEXT,
    version       INTEGER NOT NULL DEFAULT 1,  -- bumped on every subscription change
    sequence      INTEGER NOT NULL DEFAULT 0,  -- FIFO: last SequenceNumber given
    created_at    INTEGER NOT NULL,
    UNIQUE (account_id, region, name)
);

CREATE TABLE sns_subscriptions (
    arn           TEXT PRIMARY KEY,
    topic_arn     TEXT NOT NULL,
    account_id    TEXT NOT NULL,     -- the subscriber (Owner)
    region        TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    confirmed     INTEGER NOT NULL,
    token         TEXT,              -- confirmation token while pending
    attributes    TEXT NOT NULL,     -- JSON of the settable attributes
    created_at    INTEGER NOT NULL
);
CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, arn);
CREATE INDEX sns_subscriptions_owner ON sns_subscriptions (account_id, region, arn);
CREATE INDEX sns_subscriptions_token ON sns_subscriptions (token);

CREATE TABLE sns_dedup (
    topic_id      INTEGER NOT NULL,
    scope_key     TEXT NOT NULL,     -- '' (topic scope) or the message group
    dedup_id      TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    sequence      TEXT NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (topic_id, scope_key, dedup_id)
);
CREATE INDEX sns_dedup_expiry ON sns_dedup (expires_at);

CREATE TABLE sns_signing_keys (
    id            INTEGER PRIMARY KEY,
    private_key   TEXT NOT NULL,     -- PEM
    certificate   TEXT NOT NULL      -- PEM, served at SigningCertURL
);
