-- SNS mobile push (platform applications and endpoints: stored, never delivered to) and
-- account-level SMS settings, opted-out numbers and sandbox numbers. Times: epoch ms.
CREATE TABLE sns_platform_applications (
    arn         TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX sns_platform_applications_owner ON sns_platform_applications (account_id, region, arn);

CREATE TABLE sns_platform_endpoints (
    arn              TEXT PRIMARY KEY,
    application_arn  TEXT NOT NULL,
    token            TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX sns_platform_endpoints_app ON sns_platform_endpoints (application_arn, arn);

CREATE TABLE sns_account_settings (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    kind        TEXT NOT NULL,     -- 'sms' attribute, 'opted_out' number, 'sandbox' number
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (account_id, region, kind, key)
);
