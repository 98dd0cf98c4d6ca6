-- Lambda: functions, their code archives, and layer versions.
-- A function's whole state ($LATEST's configuration, published versions, aliases, its
-- resource policy, event invoke configs, URL configs, reserved concurrency) is one JSON
-- document, changed by read-modify-write in one unit of work: every operation touches one
-- function, and a function has few versions. Tags live in resource_tags by ARN.
-- Code archives are kept once per SHA-256 (the CodeSha256 Lambda reports, hex here) so
-- that any node can unpack them into its own cache. Times are epoch milliseconds.
CREATE TABLE lambda_functions (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    changed_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE lambda_code (
    sha256      TEXT PRIMARY KEY,
    archive     BLOB NOT NULL
);

CREATE TABLE lambda_layers (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (account_id, region, name, version)
);

-- Function URLs by their id (the URL's first label on AWS): which function and qualifier
-- ('' for the unqualified function) a request to the URL invokes.
CREATE TABLE lambda_urls (
    url_id      TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    qualifier   TEXT NOT NULL,
    UNIQUE (account_id, region, name, qualifier)
);

-- Event source mappings (SQS): the mapping's whole answer as a JSON document; enabled
-- ones are polled by every node (a receive claims its messages atomically).
CREATE TABLE lambda_event_source_mappings (
    uuid        TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
