"""State and helpers shared by the IAM operations: errors as AWS words them, ids, ARNs,
the shapes answers carry, pages, and tags."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote

from eventyard.core import aws_managed_policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.services._pagination import Page
from eventyard.store import Session, Store
from eventyard.store.iam import (
    IamAccessKey,
    IamGroup,
    IamInstanceProfile,
    IamPolicy,
    IamPolicyVersion,
    IamRole,
    IamUser,
    name_key,
)

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100
MAX_ACCESS_KEYS_PER_USER = 2
MAX_POLICY_VERSIONS = 5
MAX_MANAGED_POLICIES_PER_PRINCIPAL = 10  # AWS's default quota for users, groups and roles
DEFAULT_MAX_SESSION_DURATION = 3600
SERVICE_ROLE_PATH_PREFIX = "/aws-service-role/"

# IAM ids: a 4-letter kind, then 17 characters of [A-Z2-7] (21 in all); keys AKIA + 16.
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def new_id(prefix: str, length: int = 17) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


# -- errors -----------------------------------------------------------------------------
def no_such_entity(message: str) -> ServiceError:
    return ServiceError("NoSuchEntityException", message)


def already_exists(message: str) -> ServiceError:
    return ServiceError("EntityAlreadyExistsException", message)


def delete_conflict(message: str) -> ServiceError:
    return ServiceError("DeleteConflictException", message)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceededException", message)


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInputException", message)


def malformed(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocumentException", message)


def unmodifiable(message: str) -> ServiceError:
    return ServiceError("UnmodifiableEntityException", message)


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


def user_not_found(name: str) -> ServiceError:
    return no_such_entity(f"The user with name {name} cannot be found.")


def role_not_found(name: str) -> ServiceError:
    return no_such_entity(f"The role with name {name} cannot be found.")


def group_not_found(name: str) -> ServiceError:
    return no_such_entity(f"The group with name {name} cannot be found.")


def profile_not_found(name: str) -> ServiceError:
    return no_such_entity(f"Instance Profile {name} cannot be found.")


def policy_not_found(arn: str) -> ServiceError:
    return no_such_entity(f"Policy {arn} was not found.")


def not_attachable(arn: str) -> ServiceError:
    return no_such_entity(f"Policy {arn} does not exist or is not attachable.")


# -- names, ARNs, paths -----------------------------------------------------------------
def entity_arn(account: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:<kind><path><name>``; a path is ``/`` or ``/a/b/``."""
    return f"arn:aws:iam::{account}:{kind}{path}{name}"


def check_policy_arn(arn: str) -> None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("policy/"):
        raise invalid_input(f"ARN {arn} is not valid.")


def iso(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def encoded(document: str) -> str:
    """A policy document as IAM answers it: URL-encoded (botocore and the AWS CLI decode it)."""
    return quote(document, safe="")


# -- shapes -----------------------------------------------------------------------------
def boundary_shape(arn: str | None) -> dict[str, str] | None:
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def user_shape(user: IamUser, tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {"Path": user.path, "UserName": user.user_name, "UserId": user.user_id,
                             "Arn": user.arn, "CreateDate": iso(user.created_ms)}
    if user.permissions_boundary_arn:
        shape["PermissionsBoundary"] = boundary_shape(user.permissions_boundary_arn)
    if tags:
        shape["Tags"] = _tagging.as_list(tags)
    return shape


def group_shape(group: IamGroup) -> dict[str, Any]:
    return {"Path": group.path, "GroupName": group.group_name, "GroupId": group.group_id, "Arn": group.arn,
            "CreateDate": iso(group.created_ms)}


def role_shape(role: IamRole, tags: Mapping[str, str] | None = None, *, full: bool = True) -> dict[str, Any]:
    """``full``: as GetRole answers (RoleLastUsed, tags, boundary); ListRoles shows less."""
    shape: dict[str, Any] = {
        "Path": role.path, "RoleName": role.role_name, "RoleId": role.role_id, "Arn": role.arn,
        "CreateDate": iso(role.created_ms), "AssumeRolePolicyDocument": encoded(role.trust_policy),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        shape["Description"] = role.description
    if full:
        if role.permissions_boundary_arn:
            shape["PermissionsBoundary"] = boundary_shape(role.permissions_boundary_arn)
        if tags:
            shape["Tags"] = _tagging.as_list(tags)
        last: dict[str, Any] = {}
        if role.last_used_ms is not None:
            last = {"LastUsedDate": iso(role.last_used_ms), "Region": role.last_used_region}
        shape["RoleLastUsed"] = last
    return shape


def access_key_shape(key: IamAccessKey) -> dict[str, Any]:
    return {"UserName": key.user_name, "AccessKeyId": key.access_key_id, "Status": key.status,
            "CreateDate": iso(key.created_ms)}


def policy_shape(policy: IamPolicy, attachments: int, tags: Mapping[str, str] | None = None,
                 boundary_uses: int = 0) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "PolicyName": policy.policy_name, "PolicyId": policy.policy_id, "Arn": policy.arn, "Path": policy.path,
        "DefaultVersionId": policy.default_version_id, "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundary_uses, "IsAttachable": True, "CreateDate": iso(policy.created_ms),
        "UpdateDate": iso(policy.updated_ms),
    }
    if policy.description:
        shape["Description"] = policy.description
    if tags:
        shape["Tags"] = _tagging.as_list(tags)
    return shape


def aws_policy_shape(policy: aws_managed_policies.AwsManagedPolicy, attachments: int,
                     boundary_uses: int = 0) -> dict[str, Any]:
    return {
        "PolicyName": policy.name, "PolicyId": policy.policy_id, "Arn": policy.arn, "Path": policy.path,
        "DefaultVersionId": policy.version_id, "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True, "Description": policy.description, "CreateDate": parse_iso(policy.created),
        "UpdateDate": parse_iso(policy.updated),
    }


def version_shape(version: IamPolicyVersion, *, with_document: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {"VersionId": version.version_id, "IsDefaultVersion": version.is_default,
                             "CreateDate": iso(version.created_ms)}
    if with_document:
        shape["Document"] = encoded(version.document)
    return shape


def profile_shape(profile: IamInstanceProfile, roles: Sequence[IamRole],
                  tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {"Path": profile.path, "InstanceProfileName": profile.name,
                             "InstanceProfileId": profile.profile_id, "Arn": profile.arn,
                             "CreateDate": iso(profile.created_ms),
                             "Roles": [role_shape(r, full=False) for r in roles]}
    if tags:
        shape["Tags"] = _tagging.as_list(tags)
    return shape


# -- pages ------------------------------------------------------------------------------
def page_of(params: Mapping[str, Any]) -> Page:
    return Page(params.get("Marker"), int(params.get("MaxItems") or DEFAULT_MAX_ITEMS),
                error_code="InvalidInputException", message="Invalid Marker.")


def listing(field: str, items: Sequence[T], page: Page, key: Callable[[T], str],
            shape: Callable[[T], Any]) -> dict[str, Any]:
    """A page of a listing read whole (or read one past the page) as IAM answers it."""
    shown, marker = page.cut(items, key)
    answer: dict[str, Any] = {field: [shape(item) for item in shown], "IsTruncated": marker is not None}
    if marker is not None:
        answer["Marker"] = marker
    return answer


def whole_listing(field: str, items: Sequence[T], page: Page, key: Callable[[T], str],
                  shape: Callable[[T], Any]) -> dict[str, Any]:
    return listing(field, page.resume(items, key), page, key, shape)


# -- tags -------------------------------------------------------------------------------
def tags_given(params: Mapping[str, Any]) -> dict[str, str]:
    tags = _tagging.from_list(params.get("Tags") or [])
    _tagging.check_count(tags, lambda: limit_exceeded("The number of tags has reached the maximum limit."))
    return _tagging.check_keys_and_values(
        tags,
        bad_key=lambda k: validation_error(f"1 validation error detected: Value '{k}' at 'tags.member.key' failed "
                                           "to satisfy constraint: Member must have length less than or equal to 128"),
        bad_value=lambda v: validation_error(f"1 validation error detected: Value '{v}' at 'tags.member.value' "
                                             "failed to satisfy constraint: Member must have length less than or "
                                             "equal to 256"),
        reserved_key=lambda k: invalid_input("User-defined tag keys can't start with 'aws:'. This prefix is "
                                             "reserved for AWS tags."))


def add_tags(s: Session, owner_id: str, tags: Mapping[str, str]) -> None:
    _tagging.add(s, owner_id, tags, lambda: limit_exceeded("The number of tags has reached the maximum limit."))


class IamBase:
    """What every IAM operation shares: the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def _caller_key(self, ctx: RequestContext) -> IamAccessKey | None:
        """The IAM access key the caller signed with, if it is one IAM issued."""
        key_id = ctx.access_key
        if key_id is None:
            return None
        return await self.store.read(lambda s: s.iam.access_key(key_id))

    # lookups that raise AWS's NoSuchEntity, inside a unit of work
    @staticmethod
    def _user(s: Session, account: str, name: str) -> IamUser:
        user = s.iam.user(account, name)
        if user is None:
            raise user_not_found(name)
        return user

    @staticmethod
    def _role(s: Session, account: str, name: str) -> IamRole:
        role = s.iam.role(account, name)
        if role is None:
            raise role_not_found(name)
        return role

    @staticmethod
    def _group(s: Session, account: str, name: str) -> IamGroup:
        group = s.iam.group(account, name)
        if group is None:
            raise group_not_found(name)
        return group

    @staticmethod
    def _own_policy(s: Session, account: str, arn: str) -> IamPolicy:
        """A customer managed policy of ``account`` (another account's is not found)."""
        check_policy_arn(arn)
        policy = s.iam.policy(arn)
        if policy is None or policy.account_id != account:
            raise policy_not_found(arn)
        return policy

    @staticmethod
    def _attachable(s: Session, account: str, arn: str, *, as_boundary: bool = False) -> None:
        check_policy_arn(arn)
        if aws_managed_policies.by_arn(arn) is not None:
            return
        policy = s.iam.policy(arn)
        if policy is None or policy.account_id != account:
            # AWS words a missing boundary by its "scope"
            raise no_such_entity(f"Scope ARN: {arn} does not exist or is not attachable.") if as_boundary \
                else not_attachable(arn)


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
