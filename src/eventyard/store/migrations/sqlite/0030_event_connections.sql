-- EventBridge connections (authorization for API destinations) and API destinations.
-- auth holds the AuthParameters as CreateConnection/UpdateConnection took them, secrets
-- included (JSON; NULL once deauthorized): what AWS keeps in a Secrets Manager secret.
-- Times are epoch seconds, as the API returns them.
CREATE TABLE event_connections (
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT NOT NULL,
    arn                TEXT NOT NULL UNIQUE,
    description        TEXT,
    authorization_type TEXT NOT NULL,
    state              TEXT NOT NULL,
    state_reason       TEXT,
    auth               TEXT,
    secret_arn         TEXT,
    kms_key_identifier TEXT,
    connectivity       TEXT,
    created_at         REAL NOT NULL,
    modified_at        REAL NOT NULL,
    authorized_at      REAL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE event_api_destinations (
    account_id     TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    arn            TEXT NOT NULL UNIQUE,
    description    TEXT,
    connection_arn TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    http_method    TEXT NOT NULL,
    rate_limit     INTEGER NOT NULL,
    created_at     REAL NOT NULL,
    modified_at    REAL NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
CREATE INDEX event_api_destinations_connection ON event_api_destinations (connection_arn);
