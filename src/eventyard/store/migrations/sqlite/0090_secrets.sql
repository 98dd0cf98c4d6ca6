-- Secrets Manager: secrets, their versions, and the store's data key.
-- A secret keeps its name (and blocks a new secret of that name) while it is scheduled
-- for deletion (deleted_ms set); the purge job drops it after the recovery window.
-- Version values are sealed (AES-GCM, the secret's ARN and the version id as associated
-- data) with the data key in store_keys: no plaintext value is ever written here.
-- Times are epoch milliseconds.
CREATE TABLE secrets (
    account_id     TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    arn            TEXT NOT NULL UNIQUE,
    description    TEXT,
    kms_key_id     TEXT,
    owning_service TEXT,              -- e.g. "events" for a connection's secret
    policy         TEXT,              -- the resource policy (JSON text)
    created_ms     INTEGER NOT NULL,
    changed_ms     INTEGER NOT NULL,
    accessed_ms    INTEGER,           -- the day of the last GetSecretValue
    deleted_ms     INTEGER,           -- when the scheduled deletion happens
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE secret_versions (
    secret_arn   TEXT NOT NULL,
    version_id   TEXT NOT NULL,
    stages       TEXT NOT NULL,       -- JSON list of staging labels, [] when deprecated
    value_kind   TEXT NOT NULL,       -- string | binary
    sealed       TEXT NOT NULL,       -- base64 of nonce + ciphertext
    created_ms   INTEGER NOT NULL,
    accessed_ms  INTEGER,
    PRIMARY KEY (secret_arn, version_id)
);

CREATE TABLE store_keys (
    name      TEXT PRIMARY KEY,
    material  TEXT NOT NULL           -- base64
);
