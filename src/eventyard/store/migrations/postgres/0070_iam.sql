-- IAM: users, groups, roles, access keys, managed policies with versions, inline
-- policies, attachments, instance profiles and the account alias. IAM is global: no
-- region. Names are unique per account regardless of case (AWS: "names are not
-- distinguished by case"), so each entity keeps its name as given and a lower-cased
-- name_key. Children point at an entity by its id (AIDA..., AROA..., AGPA...), so a
-- rename moves nothing. Times are epoch milliseconds.
CREATE TABLE iam_users (
    user_id       TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    boundary_arn  TEXT,
    created_ms    BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_groups (
    group_id      TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    created_ms    BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_group_members (
    group_id      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX iam_group_members_user ON iam_group_members (user_id);

CREATE TABLE iam_roles (
    role_id       TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    trust_policy  TEXT NOT NULL,     -- the AssumeRolePolicyDocument as given
    description   TEXT,
    max_session_duration INTEGER NOT NULL,
    boundary_arn  TEXT,
    created_ms    BIGINT NOT NULL,
    last_used_ms  BIGINT,
    last_used_region TEXT,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    secret        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    status        TEXT NOT NULL,     -- Active | Inactive
    created_ms    BIGINT NOT NULL,
    last_used_ms  BIGINT,
    last_used_service TEXT,
    last_used_region TEXT
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (user_id, created_ms);

CREATE TABLE iam_policies (
    policy_id     TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL UNIQUE,
    description   TEXT,
    default_version TEXT NOT NULL,   -- v1, v2 ...
    next_version  INTEGER NOT NULL,  -- the number the next version takes
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policy_versions (
    policy_arn    TEXT COLLATE "C" NOT NULL,
    version_id    TEXT COLLATE "C" NOT NULL,
    version_no    INTEGER NOT NULL,
    document      TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

-- Inline policies of a user, group or role (principal_id is the entity's id).
CREATE TABLE iam_inline_policies (
    principal_id  TEXT NOT NULL,
    policy_name   TEXT COLLATE "C" NOT NULL,
    document      TEXT NOT NULL,
    PRIMARY KEY (principal_id, policy_name)
);

-- Managed policies attached to a user, group or role; AWS's own policies too (by ARN).
CREATE TABLE iam_attachments (
    principal_id  TEXT NOT NULL,
    policy_arn    TEXT COLLATE "C" NOT NULL,
    account_id    TEXT NOT NULL,
    principal_kind TEXT NOT NULL,    -- user | group | role
    PRIMARY KEY (principal_id, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn, account_id);

CREATE TABLE iam_instance_profiles (
    profile_id    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_key      TEXT COLLATE "C" NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    created_ms    BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_instance_profile_roles (
    profile_id    TEXT NOT NULL,
    role_id       TEXT NOT NULL,
    PRIMARY KEY (profile_id, role_id)
);
CREATE INDEX iam_instance_profile_roles_role ON iam_instance_profile_roles (role_id);

-- An account's alias is unique across all accounts (it names the sign-in URL).
CREATE TABLE iam_account_aliases (
    account_id    TEXT PRIMARY KEY,
    alias         TEXT COLLATE "C" NOT NULL UNIQUE
);
