"""IAM: users, groups, roles, access keys, managed policies and their versions, inline
policies, attachments, instance profiles and the account alias.

IAM is global (no region). Names are unique per account regardless of case, so each
entity keeps its name as given and is found by its lower-cased ``name_key``. Children
(group members, keys, inline policies, attachments, profile roles) point at an entity by
its id, so a rename moves nothing; tags live in ``resource_tags`` under the entity's id.

The contract other parts read (``sts`` finds keys and roles, ``authz`` the policies in
force): ``access_key``, ``role``, ``identity_policies``, ``permissions_boundary``.
AWS's own managed policies are not rows: ``core.aws_managed_policies`` holds them, and
attaching one stores only its ARN.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventyard.core import aws_managed_policies
from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

PRINCIPAL_KINDS = ("user", "group", "role")


def name_key(name: str) -> str:
    return name.lower()


# -- records ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IamAccessKey:
    access_key_id: str
    secret_access_key: str
    account_id: str
    user_name: str
    user_arn: str
    user_id: str
    status: str  # "Active" | "Inactive"
    created_ms: int
    last_used_ms: int | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(frozen=True)
class IamRole:
    account_id: str
    role_name: str
    role_id: str
    arn: str
    path: str
    trust_policy: str  # the AssumeRolePolicyDocument as JSON text
    max_session_duration: int  # seconds
    permissions_boundary_arn: str | None
    created_ms: int
    description: str | None = None
    last_used_ms: int | None = None
    last_used_region: str | None = None


@dataclass(frozen=True)
class IamUser:
    account_id: str
    user_name: str
    user_id: str
    arn: str
    path: str
    permissions_boundary_arn: str | None
    created_ms: int


@dataclass(frozen=True)
class IamGroup:
    account_id: str
    group_name: str
    group_id: str
    arn: str
    path: str
    created_ms: int


@dataclass(frozen=True)
class IamPolicy:
    """A customer managed policy (AWS's own are ``core.aws_managed_policies``)."""

    account_id: str
    policy_name: str
    policy_id: str
    arn: str
    path: str
    description: str | None
    default_version_id: str
    created_ms: int
    updated_ms: int
    next_version: int = 2


@dataclass(frozen=True)
class IamPolicyVersion:
    policy_arn: str
    version_id: str
    document: str
    created_ms: int
    is_default: bool


@dataclass(frozen=True)
class IamInstanceProfile:
    account_id: str
    name: str
    profile_id: str
    arn: str
    path: str
    created_ms: int


@dataclass(frozen=True)
class IamAttachment:
    """A managed policy attached to a principal (``kind``: user | group | role)."""

    kind: str
    principal_id: str
    principal_name: str
    policy_arn: str


_USER = "user_id, account_id, name, path, arn, boundary_arn, created_ms"
_GROUP = "group_id, account_id, name, path, arn, created_ms"
_ROLE = ("role_id, account_id, name, path, arn, trust_policy, description, max_session_duration, boundary_arn,"
         " created_ms, last_used_ms, last_used_region")
_POLICY = "policy_id, account_id, name, path, arn, description, default_version, next_version, created_ms, updated_ms"
_PROFILE = "profile_id, account_id, name, path, arn, created_ms"
_KEY = ("k.access_key_id, k.secret, k.account_id, u.name, u.arn, u.user_id, k.status, k.created_ms,"
        " k.last_used_ms, k.last_used_service, k.last_used_region")


def _user(r: tuple[Any, ...]) -> IamUser:
    return IamUser(r[1], r[2], r[0], r[4], r[3], r[5], int(r[6]))


def _group(r: tuple[Any, ...]) -> IamGroup:
    return IamGroup(r[1], r[2], r[0], r[4], r[3], int(r[5]))


def _role(r: tuple[Any, ...]) -> IamRole:
    return IamRole(r[1], r[2], r[0], r[4], r[3], r[5], int(r[7]), r[8], int(r[9]), r[6],
                   None if r[10] is None else int(r[10]), r[11])


def _policy(r: tuple[Any, ...]) -> IamPolicy:
    return IamPolicy(r[1], r[2], r[0], r[4], r[3], r[5], r[6], int(r[8]), int(r[9]), int(r[7]))


def _profile(r: tuple[Any, ...]) -> IamInstanceProfile:
    return IamInstanceProfile(r[1], r[2], r[0], r[4], r[3], int(r[5]))


def _key(r: tuple[Any, ...]) -> IamAccessKey:
    return IamAccessKey(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]),
                        None if r[8] is None else int(r[8]), r[9], r[10])


def _page(sql: str, params: list[Any], *, path_prefix: str | None, after: str | None,
          limit: int | None) -> tuple[str, list[Any]]:
    """Entities listed by name_key, under a path prefix, after a key (a range on the
    column, never LIKE: no escaping)."""
    if path_prefix:
        sql += " AND path >= ? AND path < ?"
        params += [path_prefix, path_prefix + "\U0010ffff"]
    sql, params = key_page(sql, params, key="name_key", after=after, limit=limit)
    return sql, params


_LOCKABLE = {"user": ("iam_users", "user_id"), "group": ("iam_groups", "group_id"), "role": ("iam_roles", "role_id"),
             "policy": ("iam_policies", "arn"), "instance-profile": ("iam_instance_profiles", "profile_id")}


class IamRepository:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def lock(self, kind: str, key: str) -> None:
        """Hold an entity's row until the transaction ends, so that a count-then-insert
        (two access keys per user, five versions per policy, ten attached policies)
        holds across nodes on PostgreSQL; SQLite's writes are serial already."""
        if self._s.dialect == "postgres":
            table, column = _LOCKABLE[kind]
            self._s.execute(f"SELECT 1 FROM {table} WHERE {column} = ? FOR UPDATE", (key,))

    # -- the contract ------------------------------------------------------------------
    def access_key(self, access_key_id: str) -> IamAccessKey | None:
        row = self._s.one(f"SELECT {_KEY} FROM iam_access_keys k JOIN iam_users u ON u.user_id = k.user_id"
                          " WHERE k.access_key_id = ?", (access_key_id,))
        return _key(row) if row else None

    def role(self, account_id: str, role_name: str) -> IamRole | None:
        row = self._s.one(f"SELECT {_ROLE} FROM iam_roles WHERE account_id = ? AND name_key = ?",
                          (account_id, name_key(role_name)))
        return _role(row) if row else None

    def identity_policies(self, account_id: str, principal: str, name: str) -> list[str]:
        """Every identity-based policy document (JSON text) in force for the principal:
        principal "user": its inline policies, its attached managed policies' default
        versions, and those of every group it belongs to; principal "role": its inline
        and attached managed policies. AWS managed policies included by ARN."""
        if principal == "user":
            user = self.user(account_id, name)
            if user is None:
                return []
            ids = [user.user_id] + [g.group_id for g in self.groups_of_user(user.user_id)]
        elif principal == "role":
            role = self.role(account_id, name)
            if role is None:
                return []
            ids = [role.role_id]
        else:
            raise ValueError(f"unknown principal kind {principal!r}")
        documents: list[str] = []
        for principal_id in ids:
            documents += [doc for _, doc in self._inline_rows(principal_id)]
            for arn in self.attached(principal_id):
                document = self.default_document(arn)
                if document is not None:
                    documents.append(document)
        return documents

    def permissions_boundary(self, account_id: str, principal: str, name: str) -> str | None:
        """The default version's document of the principal's boundary policy, if set."""
        if principal == "user":
            user = self.user(account_id, name)
            arn = user.permissions_boundary_arn if user else None
        elif principal == "role":
            role = self.role(account_id, name)
            arn = role.permissions_boundary_arn if role else None
        else:
            raise ValueError(f"unknown principal kind {principal!r}")
        return None if arn is None else self.default_document(arn)

    def default_document(self, policy_arn: str) -> str | None:
        """The document of a managed policy's default version (AWS's own included)."""
        aws = aws_managed_policies.by_arn(policy_arn)
        if aws is not None:
            return aws.document
        row = self._s.one("SELECT v.document FROM iam_policies p JOIN iam_policy_versions v"
                          " ON v.policy_arn = p.arn AND v.version_id = p.default_version WHERE p.arn = ?",
                          (policy_arn,))
        return None if row is None else str(row[0])

    # -- users -------------------------------------------------------------------------
    def insert_user(self, user: IamUser) -> None:
        self._s.execute(f"INSERT INTO iam_users ({_USER}, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (user.user_id, user.account_id, user.user_name, user.path, user.arn,
                         user.permissions_boundary_arn, user.created_ms, name_key(user.user_name)))

    def user(self, account_id: str, name: str) -> IamUser | None:
        row = self._s.one(f"SELECT {_USER} FROM iam_users WHERE account_id = ? AND name_key = ?",
                          (account_id, name_key(name)))
        return _user(row) if row else None

    def user_by_id(self, user_id: str) -> IamUser | None:
        row = self._s.one(f"SELECT {_USER} FROM iam_users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    def users(self, account_id: str, *, path_prefix: str | None = None, after: str | None = None,
              limit: int | None = None) -> builtins.list[IamUser]:
        sql, params = _page(f"SELECT {_USER} FROM iam_users WHERE account_id = ?", [account_id],
                            path_prefix=path_prefix, after=after, limit=limit)
        return [_user(r) for r in self._s.all(sql, params)]

    def update_user(self, user_id: str, *, name: str, path: str, arn: str) -> None:
        self._s.execute("UPDATE iam_users SET name = ?, name_key = ?, path = ?, arn = ? WHERE user_id = ?",
                        (name, name_key(name), path, arn, user_id))

    def set_user_boundary(self, user_id: str, policy_arn: str | None) -> None:
        self._s.execute("UPDATE iam_users SET boundary_arn = ? WHERE user_id = ?", (policy_arn, user_id))

    def delete_user(self, user_id: str) -> None:
        self._s.execute("DELETE FROM iam_users WHERE user_id = ?", (user_id,))
        self._s.execute("DELETE FROM iam_group_members WHERE user_id = ?", (user_id,))
        self._s.tags.remove_all(user_id)

    # -- groups ------------------------------------------------------------------------
    def insert_group(self, group: IamGroup) -> None:
        self._s.execute(f"INSERT INTO iam_groups ({_GROUP}, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (group.group_id, group.account_id, group.group_name, group.path, group.arn,
                         group.created_ms, name_key(group.group_name)))

    def group(self, account_id: str, name: str) -> IamGroup | None:
        row = self._s.one(f"SELECT {_GROUP} FROM iam_groups WHERE account_id = ? AND name_key = ?",
                          (account_id, name_key(name)))
        return _group(row) if row else None

    def groups(self, account_id: str, *, path_prefix: str | None = None, after: str | None = None,
               limit: int | None = None) -> builtins.list[IamGroup]:
        sql, params = _page(f"SELECT {_GROUP} FROM iam_groups WHERE account_id = ?", [account_id],
                            path_prefix=path_prefix, after=after, limit=limit)
        return [_group(r) for r in self._s.all(sql, params)]

    def update_group(self, group_id: str, *, name: str, path: str, arn: str) -> None:
        self._s.execute("UPDATE iam_groups SET name = ?, name_key = ?, path = ?, arn = ? WHERE group_id = ?",
                        (name, name_key(name), path, arn, group_id))

    def delete_group(self, group_id: str) -> None:
        self._s.execute("DELETE FROM iam_groups WHERE group_id = ?", (group_id,))
        self._s.execute("DELETE FROM iam_group_members WHERE group_id = ?", (group_id,))

    def add_member(self, group_id: str, user_id: str) -> None:
        self._s.execute("INSERT INTO iam_group_members (group_id, user_id) VALUES (?, ?)"
                        " ON CONFLICT (group_id, user_id) DO NOTHING", (group_id, user_id))

    def remove_member(self, group_id: str, user_id: str) -> bool:
        return bool(self._s.execute("DELETE FROM iam_group_members WHERE group_id = ? AND user_id = ?",
                                    (group_id, user_id)).rowcount)

    def members(self, group_id: str) -> builtins.list[IamUser]:
        rows = self._s.all(f"SELECT {', '.join('u.' + c for c in _USER.split(', '))} FROM iam_users u"
                           " JOIN iam_group_members m ON m.user_id = u.user_id WHERE m.group_id = ?"
                           " ORDER BY u.name_key", (group_id,))
        return [_user(r) for r in rows]

    def groups_of_user(self, user_id: str) -> builtins.list[IamGroup]:
        rows = self._s.all(f"SELECT {', '.join('g.' + c for c in _GROUP.split(', '))} FROM iam_groups g"
                           " JOIN iam_group_members m ON m.group_id = g.group_id WHERE m.user_id = ?"
                           " ORDER BY g.name_key", (user_id,))
        return [_group(r) for r in rows]

    # -- access keys -------------------------------------------------------------------
    def insert_access_key(self, key: IamAccessKey) -> None:
        self._s.execute("INSERT INTO iam_access_keys (access_key_id, secret, account_id, user_id, status,"
                        " created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                        (key.access_key_id, key.secret_access_key, key.account_id, key.user_id, key.status,
                         key.created_ms))

    def access_keys_of(self, user_id: str) -> builtins.list[IamAccessKey]:
        rows = self._s.all(f"SELECT {_KEY} FROM iam_access_keys k JOIN iam_users u ON u.user_id = k.user_id"
                           " WHERE k.user_id = ? ORDER BY k.created_ms, k.access_key_id", (user_id,))
        return [_key(r) for r in rows]

    def set_access_key_status(self, access_key_id: str, status: str) -> None:
        self._s.execute("UPDATE iam_access_keys SET status = ? WHERE access_key_id = ?", (status, access_key_id))

    def delete_access_key(self, access_key_id: str) -> None:
        self._s.execute("DELETE FROM iam_access_keys WHERE access_key_id = ?", (access_key_id,))

    def note_access_key_used(self, access_key_id: str, when_ms: int, service: str, region: str) -> None:
        self._s.execute("UPDATE iam_access_keys SET last_used_ms = ?, last_used_service = ?, last_used_region = ?"
                        " WHERE access_key_id = ?", (when_ms, service, region, access_key_id))

    # -- roles -------------------------------------------------------------------------
    def insert_role(self, role: IamRole) -> None:
        self._s.execute(
            f"INSERT INTO iam_roles ({_ROLE}, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (role.role_id, role.account_id, role.role_name, role.path, role.arn, role.trust_policy,
             role.description, role.max_session_duration, role.permissions_boundary_arn, role.created_ms,
             role.last_used_ms, role.last_used_region, name_key(role.role_name)))

    def roles(self, account_id: str, *, path_prefix: str | None = None, after: str | None = None,
              limit: int | None = None) -> builtins.list[IamRole]:
        sql, params = _page(f"SELECT {_ROLE} FROM iam_roles WHERE account_id = ?", [account_id],
                            path_prefix=path_prefix, after=after, limit=limit)
        return [_role(r) for r in self._s.all(sql, params)]

    def update_role(self, role_id: str, *, description: str | None, max_session_duration: int) -> None:
        self._s.execute("UPDATE iam_roles SET description = ?, max_session_duration = ? WHERE role_id = ?",
                        (description, max_session_duration, role_id))

    def set_trust_policy(self, role_id: str, document: str) -> None:
        self._s.execute("UPDATE iam_roles SET trust_policy = ? WHERE role_id = ?", (document, role_id))

    def set_role_boundary(self, role_id: str, policy_arn: str | None) -> None:
        self._s.execute("UPDATE iam_roles SET boundary_arn = ? WHERE role_id = ?", (policy_arn, role_id))

    def note_role_used(self, role_id: str, when_ms: int, region: str) -> None:
        self._s.execute("UPDATE iam_roles SET last_used_ms = ?, last_used_region = ? WHERE role_id = ?",
                        (when_ms, region, role_id))

    def delete_role(self, role_id: str) -> None:
        self._s.execute("DELETE FROM iam_roles WHERE role_id = ?", (role_id,))
        self._s.execute("DELETE FROM iam_instance_profile_roles WHERE role_id = ?", (role_id,))
        self._s.tags.remove_all(role_id)

    # -- managed policies --------------------------------------------------------------
    def insert_policy(self, policy: IamPolicy, document: str) -> None:
        """A new policy with its first version (``policy.default_version_id``) holding ``document``."""
        self._s.execute(
            f"INSERT INTO iam_policies ({_POLICY}, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (policy.policy_id, policy.account_id, policy.policy_name, policy.path, policy.arn, policy.description,
             policy.default_version_id, policy.next_version, policy.created_ms, policy.updated_ms,
             name_key(policy.policy_name)))
        self._s.execute("INSERT INTO iam_policy_versions (policy_arn, version_id, version_no, document, created_ms)"
                        " VALUES (?, ?, ?, ?, ?)", (policy.arn, policy.default_version_id,
                                                    int(policy.default_version_id[1:]), document, policy.created_ms))

    def policy(self, arn: str) -> IamPolicy | None:
        row = self._s.one(f"SELECT {_POLICY} FROM iam_policies WHERE arn = ?", (arn,))
        return _policy(row) if row else None

    def policy_named(self, account_id: str, name: str) -> IamPolicy | None:
        row = self._s.one(f"SELECT {_POLICY} FROM iam_policies WHERE account_id = ? AND name_key = ?",
                          (account_id, name_key(name)))
        return _policy(row) if row else None

    def policies(self, account_id: str, *, path_prefix: str | None = None, after: str | None = None,
                 limit: int | None = None) -> builtins.list[IamPolicy]:
        sql, params = _page(f"SELECT {_POLICY} FROM iam_policies WHERE account_id = ?", [account_id],
                            path_prefix=path_prefix, after=after, limit=limit)
        return [_policy(r) for r in self._s.all(sql, params)]

    def delete_policy(self, arn: str) -> None:
        policy = self.policy(arn)
        if policy is None:
            return
        self._s.execute("DELETE FROM iam_policies WHERE arn = ?", (arn,))
        self._s.execute("DELETE FROM iam_policy_versions WHERE policy_arn = ?", (arn,))
        self._s.tags.remove_all(policy.policy_id)

    def add_policy_version(self, arn: str, document: str, now_ms: int, *, set_default: bool) -> str:
        """A new version (its id is the policy's next number); returns the id."""
        row = self._s.one("UPDATE iam_policies SET next_version = next_version + 1, updated_ms = ?"
                          " WHERE arn = ? RETURNING next_version - 1", (now_ms, arn))
        assert row is not None
        number = int(row[0])
        version_id = f"v{number}"
        self._s.execute("INSERT INTO iam_policy_versions (policy_arn, version_id, version_no, document, created_ms)"
                        " VALUES (?, ?, ?, ?, ?)", (arn, version_id, number, document, now_ms))
        if set_default:
            self.set_default_version(arn, version_id)
        return version_id

    def policy_version(self, arn: str, version_id: str) -> IamPolicyVersion | None:
        row = self._s.one("SELECT v.policy_arn, v.version_id, v.document, v.created_ms, p.default_version"
                          " FROM iam_policy_versions v JOIN iam_policies p ON p.arn = v.policy_arn"
                          " WHERE v.policy_arn = ? AND v.version_id = ?", (arn, version_id))
        return None if row is None else IamPolicyVersion(row[0], row[1], row[2], int(row[3]), row[1] == row[4])

    def policy_versions(self, arn: str) -> builtins.list[IamPolicyVersion]:
        """Newest first, as AWS lists them."""
        rows = self._s.all("SELECT v.policy_arn, v.version_id, v.document, v.created_ms, p.default_version"
                           " FROM iam_policy_versions v JOIN iam_policies p ON p.arn = v.policy_arn"
                           " WHERE v.policy_arn = ? ORDER BY v.version_no DESC", (arn,))
        return [IamPolicyVersion(r[0], r[1], r[2], int(r[3]), r[1] == r[4]) for r in rows]

    def set_default_version(self, arn: str, version_id: str) -> None:
        # updated_ms stays: AWS's UpdateDate is when the newest version was made
        self._s.execute("UPDATE iam_policies SET default_version = ? WHERE arn = ?", (version_id, arn))

    def delete_policy_version(self, arn: str, version_id: str) -> None:
        self._s.execute("DELETE FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?", (arn, version_id))

    # -- inline policies ---------------------------------------------------------------
    def put_inline_policy(self, principal_id: str, policy_name: str, document: str) -> None:
        self._s.execute("INSERT INTO iam_inline_policies (principal_id, policy_name, document) VALUES (?, ?, ?)"
                        " ON CONFLICT (principal_id, policy_name) DO UPDATE SET document = excluded.document",
                        (principal_id, policy_name, document))

    def inline_policy(self, principal_id: str, policy_name: str) -> str | None:
        value = self._s.scalar("SELECT document FROM iam_inline_policies WHERE principal_id = ? AND policy_name = ?",
                               (principal_id, policy_name))
        return None if value is None else str(value)

    def inline_policy_names(self, principal_id: str) -> builtins.list[str]:
        return [name for name, _ in self._inline_rows(principal_id)]

    def _inline_rows(self, principal_id: str) -> builtins.list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._s.all(
            "SELECT policy_name, document FROM iam_inline_policies WHERE principal_id = ? ORDER BY policy_name",
            (principal_id,))]

    def delete_inline_policy(self, principal_id: str, policy_name: str) -> bool:
        return bool(self._s.execute("DELETE FROM iam_inline_policies WHERE principal_id = ? AND policy_name = ?",
                                    (principal_id, policy_name)).rowcount)

    def delete_inline_policies(self, principal_id: str) -> None:
        self._s.execute("DELETE FROM iam_inline_policies WHERE principal_id = ?", (principal_id,))

    # -- attachments -------------------------------------------------------------------
    def attach(self, account_id: str, kind: str, principal_id: str, policy_arn: str) -> None:
        assert kind in PRINCIPAL_KINDS
        self._s.execute("INSERT INTO iam_attachments (principal_id, policy_arn, account_id, principal_kind)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (principal_id, policy_arn) DO NOTHING",
                        (principal_id, policy_arn, account_id, kind))

    def detach(self, principal_id: str, policy_arn: str) -> bool:
        return bool(self._s.execute("DELETE FROM iam_attachments WHERE principal_id = ? AND policy_arn = ?",
                                    (principal_id, policy_arn)).rowcount)

    def attached(self, principal_id: str) -> builtins.list[str]:
        """ARNs of the managed policies attached to a principal."""
        return [r[0] for r in self._s.all(
            "SELECT policy_arn FROM iam_attachments WHERE principal_id = ? ORDER BY policy_arn", (principal_id,))]

    def attachment_count(self, account_id: str, policy_arn: str) -> int:
        return int(self._s.scalar("SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = ? AND account_id = ?",
                                  (policy_arn, account_id)))

    def attached_arns(self, account_id: str) -> set[str]:
        """Every policy ARN attached to something in the account (ListPolicies OnlyAttached)."""
        return {r[0] for r in self._s.all("SELECT DISTINCT policy_arn FROM iam_attachments WHERE account_id = ?",
                                          (account_id,))}

    def attachments_of(self, account_id: str, policy_arn: str) -> builtins.list[IamAttachment]:
        """Who a managed policy is attached to in an account, with each one's current name."""
        rows = self._s.all(
            "SELECT a.principal_kind, a.principal_id, COALESCE(u.name, g.name, r.name) FROM iam_attachments a"
            " LEFT JOIN iam_users u ON u.user_id = a.principal_id"
            " LEFT JOIN iam_groups g ON g.group_id = a.principal_id"
            " LEFT JOIN iam_roles r ON r.role_id = a.principal_id"
            " WHERE a.policy_arn = ? AND a.account_id = ? ORDER BY a.principal_kind, a.principal_id",
            (policy_arn, account_id))
        return [IamAttachment(r[0], r[1], r[2], policy_arn) for r in rows]

    def boundary_holders(self, account_id: str, policy_arn: str) -> builtins.list[IamAttachment]:
        """The users and roles of an account whose permissions boundary is the policy."""
        rows = self._s.all("SELECT 'user', user_id, name FROM iam_users WHERE account_id = ? AND boundary_arn = ?"
                           " UNION ALL SELECT 'role', role_id, name FROM iam_roles WHERE account_id = ?"
                           " AND boundary_arn = ? ORDER BY 1, 2", (account_id, policy_arn, account_id, policy_arn))
        return [IamAttachment(r[0], r[1], r[2], policy_arn) for r in rows]

    # -- instance profiles -------------------------------------------------------------
    def insert_instance_profile(self, profile: IamInstanceProfile) -> None:
        self._s.execute(f"INSERT INTO iam_instance_profiles ({_PROFILE}, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (profile.profile_id, profile.account_id, profile.name, profile.path, profile.arn,
                         profile.created_ms, name_key(profile.name)))

    def instance_profile(self, account_id: str, name: str) -> IamInstanceProfile | None:
        row = self._s.one(f"SELECT {_PROFILE} FROM iam_instance_profiles WHERE account_id = ? AND name_key = ?",
                          (account_id, name_key(name)))
        return _profile(row) if row else None

    def instance_profiles(self, account_id: str, *, path_prefix: str | None = None, after: str | None = None,
                          limit: int | None = None) -> builtins.list[IamInstanceProfile]:
        sql, params = _page(f"SELECT {_PROFILE} FROM iam_instance_profiles WHERE account_id = ?", [account_id],
                            path_prefix=path_prefix, after=after, limit=limit)
        return [_profile(r) for r in self._s.all(sql, params)]

    def delete_instance_profile(self, profile_id: str) -> None:
        self._s.execute("DELETE FROM iam_instance_profiles WHERE profile_id = ?", (profile_id,))
        self._s.execute("DELETE FROM iam_instance_profile_roles WHERE profile_id = ?", (profile_id,))
        self._s.tags.remove_all(profile_id)

    def add_profile_role(self, profile_id: str, role_id: str) -> None:
        self._s.execute("INSERT INTO iam_instance_profile_roles (profile_id, role_id) VALUES (?, ?)",
                        (profile_id, role_id))

    def remove_profile_role(self, profile_id: str, role_id: str) -> bool:
        return bool(self._s.execute("DELETE FROM iam_instance_profile_roles WHERE profile_id = ? AND role_id = ?",
                                    (profile_id, role_id)).rowcount)

    def profile_roles(self, profile_id: str) -> builtins.list[IamRole]:
        rows = self._s.all(f"SELECT {', '.join('r.' + c for c in _ROLE.split(', '))} FROM iam_roles r"
                           " JOIN iam_instance_profile_roles p ON p.role_id = r.role_id WHERE p.profile_id = ?"
                           " ORDER BY r.name_key", (profile_id,))
        return [_role(r) for r in rows]

    def profiles_of_role(self, role_id: str) -> builtins.list[IamInstanceProfile]:
        rows = self._s.all(f"SELECT {', '.join('i.' + c for c in _PROFILE.split(', '))} FROM iam_instance_profiles i"
                           " JOIN iam_instance_profile_roles p ON p.profile_id = i.profile_id WHERE p.role_id = ?"
                           " ORDER BY i.name_key", (role_id,))
        return [_profile(r) for r in rows]

    # -- the account -------------------------------------------------------------------
    def account_alias(self, account_id: str) -> str | None:
        value = self._s.scalar("SELECT alias FROM iam_account_aliases WHERE account_id = ?", (account_id,))
        return None if value is None else str(value)

    def set_account_alias(self, account_id: str, alias: str) -> None:
        """Raises ConflictError when another account holds the alias."""
        self._s.execute("DELETE FROM iam_account_aliases WHERE account_id = ?", (account_id,))
        self._s.execute("INSERT INTO iam_account_aliases (account_id, alias) VALUES (?, ?)", (account_id, alias))

    def delete_account_alias(self, account_id: str) -> None:
        self._s.execute("DELETE FROM iam_account_aliases WHERE account_id = ?", (account_id,))

    def counts(self, account_id: str) -> dict[str, int]:
        """Entity counts for GetAccountSummary."""
        found: dict[str, int] = {}
        for label, table in (("Users", "iam_users"), ("Groups", "iam_groups"), ("Roles", "iam_roles"),
                             ("Policies", "iam_policies"), ("InstanceProfiles", "iam_instance_profiles")):
            found[label] = int(self._s.scalar(f"SELECT COUNT(*) FROM {table} WHERE account_id = ?", (account_id,)))
        found["AttachedPolicies"] = int(self._s.scalar(
            "SELECT COUNT(DISTINCT policy_arn) FROM iam_attachments WHERE account_id = ?", (account_id,)))
        found["PolicyVersionsInUse"] = int(self._s.scalar(
            "SELECT COUNT(*) FROM iam_attachments WHERE account_id = ?", (account_id,)))
        found["AccessKeys"] = int(self._s.scalar(
            "SELECT COUNT(*) FROM iam_access_keys WHERE account_id = ?", (account_id,)))
        return found
