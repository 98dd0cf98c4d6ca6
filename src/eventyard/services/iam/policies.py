"""Managed policies and their versions, inline policies, and attaching managed policies
to users, groups and roles. AWS's own managed policies are read-only and attachable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from eventyard.core import aws_managed_policies, clock
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.services.iam._base import (
    MAX_MANAGED_POLICIES_PER_PRINCIPAL,
    MAX_POLICY_VERSIONS,
    IamBase,
    add_tags,
    already_exists,
    aws_policy_shape,
    check_policy_arn,
    delete_conflict,
    encoded,
    limit_exceeded,
    new_id,
    no_such_entity,
    page_of,
    parse_iso,
    policy_not_found,
    policy_shape,
    tags_given,
    unmodifiable,
    version_shape,
    whole_listing,
)
from eventyard.services.iam.documents import check_identity_policy
from eventyard.store import ConflictError, Session
from eventyard.store.iam import IamPolicy, IamPolicyVersion

MAX_MANAGED_POLICY_SIZE = 6144
# inline policies: the aggregate size per principal, not counting white space
MAX_INLINE_SIZE = {"user": 2048, "group": 5120, "role": 10240}


def _size(document: str) -> int:
    return sum(1 for ch in document if not ch.isspace())


def _not_aws_owned(arn: str, what: str) -> None:
    if aws_managed_policies.is_aws_managed(arn):
        raise unmodifiable(f"Cannot {what} the AWS managed policy {arn}.")


def _version_missing(arn: str, version_id: str, *, deletable: bool = False) -> Exception:
    tail = " or is not deletable." if deletable else "."
    return no_such_entity(f"Policy {arn} version {version_id} does not exist{tail}")


@dataclass(frozen=True)
class _Principal:
    """What differs between a user's, a group's and a role's policy operations."""

    kind: str  # user | group | role
    name_param: str  # UserName | GroupName | RoleName
    label: str  # User | Group | Role, as AWS words its messages


_USER, _GROUP, _ROLE = (_Principal("user", "UserName", "User"), _Principal("group", "GroupName", "Group"),
                        _Principal("role", "RoleName", "Role"))


class PolicyOperations(IamBase):
    # -- which principal ------------------------------------------------------------
    def _principal_id(self, s: Session, account: str, who: _Principal, name: str, *, modifying: bool = False) -> str:
        if who.kind == "user":
            return self._user(s, account, name).user_id
        if who.kind == "group":
            return self._group(s, account, name).group_id
        role = self._role(s, account, name)
        if modifying and role.path.startswith("/aws-service-role/"):
            raise unmodifiable(f"Cannot perform the operation on the protected role '{role.role_name}' - "
                               "this role is only modifiable by AWS")
        return role.role_id

    # -- managed policies -----------------------------------------------------------
    async def create_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path, document = params["PolicyName"], params.get("Path") or "/", params["PolicyDocument"]
        check_identity_policy(document)
        if _size(document) > MAX_MANAGED_POLICY_SIZE:
            raise limit_exceeded(f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY_SIZE}")
        tags = tags_given(params)
        now = clock.now_ms()
        policy = IamPolicy(ctx.account, name, new_id("ANPA"), f"arn:aws:iam::{ctx.account}:policy{path}{name}", path,
                           params.get("Description"), "v1", now, now)
        taken = f"A policy called {name} already exists. Duplicate names are not allowed."

        def create(s: Session) -> None:
            if s.iam.policy_named(ctx.account, name) is not None:
                raise already_exists(taken)
            s.iam.insert_policy(policy, document)
            s.tags.put(policy.policy_id, tags)

        try:
            await self.store.write(create)
        except ConflictError:
            raise already_exists(taken) from None
        return {"Policy": policy_shape(policy, 0, tags)}

    async def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["PolicyArn"]
        check_policy_arn(arn)
        aws = aws_managed_policies.by_arn(arn)
        if aws is not None:
            count, uses = await self.store.read(lambda s: (s.iam.attachment_count(ctx.account, arn),
                                                           len(s.iam.boundary_holders(ctx.account, arn))))
            return {"Policy": aws_policy_shape(aws, count, uses)}

        def read(s: Session) -> dict[str, Any]:
            policy = self._own_policy(s, ctx.account, arn)
            return policy_shape(policy, s.iam.attachment_count(ctx.account, arn), s.tags.get(policy.policy_id),
                                len(s.iam.boundary_holders(ctx.account, arn)))

        return {"Policy": await self.store.read(read)}

    async def list_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        scope = params.get("Scope") or "All"
        prefix = params.get("PathPrefix") or "/"
        only_attached = bool(params.get("OnlyAttached"))
        page = page_of(params)

        def read(s: Session) -> list[tuple[str, str, dict[str, Any]]]:
            attached = s.iam.attached_arns(ctx.account)
            found: list[tuple[str, str, dict[str, Any]]] = []
            if scope in ("All", "AWS"):
                for aws in aws_managed_policies.all_policies():
                    if aws.path.startswith(prefix) and (not only_attached or aws.arn in attached):
                        count = s.iam.attachment_count(ctx.account, aws.arn) if aws.arn in attached else 0
                        found.append((aws.name.lower(), aws.arn, aws_policy_shape(aws, count)))
            if scope in ("All", "Local"):
                for policy in s.iam.policies(ctx.account, path_prefix=prefix):
                    if not only_attached or policy.arn in attached:
                        count = s.iam.attachment_count(ctx.account, policy.arn)
                        found.append((policy.policy_name.lower(), policy.arn, policy_shape(policy, count)))
            found.sort(key=lambda item: (item[0], item[1]))
            return found

        found = await self.store.read(read)
        return whole_listing("Policies", found, page, lambda item: item[1], lambda item: item[2])

    async def delete_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["PolicyArn"]
        check_policy_arn(arn)
        _not_aws_owned(arn, "delete")

        def delete(s: Session) -> None:
            self._own_policy(s, ctx.account, arn)
            if s.iam.attachment_count(ctx.account, arn) or s.iam.boundary_holders(ctx.account, arn):
                raise delete_conflict("Cannot delete a policy attached to entities.")
            if len(s.iam.policy_versions(arn)) > 1:
                raise delete_conflict("This policy has more than one version. Before you delete a policy, you must "
                                      "delete the policy's versions. The default version is deleted with the policy.")
            s.iam.delete_policy(arn)

        await self.store.write(delete)

    # -- versions -------------------------------------------------------------------
    async def create_policy_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn, document = params["PolicyArn"], params["PolicyDocument"]
        check_policy_arn(arn)
        _not_aws_owned(arn, "change")
        check_identity_policy(document)
        if _size(document) > MAX_MANAGED_POLICY_SIZE:
            raise limit_exceeded(f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY_SIZE}")
        set_default = bool(params.get("SetAsDefault"))

        def create(s: Session) -> IamPolicyVersion:
            self._own_policy(s, ctx.account, arn)
            s.iam.lock("policy", arn)
            if len(s.iam.policy_versions(arn)) >= MAX_POLICY_VERSIONS:
                raise limit_exceeded(f"A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you "
                                     "create a new version, you must delete an existing version.")
            version_id = s.iam.add_policy_version(arn, document, clock.now_ms(), set_default=set_default)
            made = s.iam.policy_version(arn, version_id)
            assert made is not None
            return made

        return {"PolicyVersion": version_shape(await self.store.write(create), with_document=False)}

    async def get_policy_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn, version_id = params["PolicyArn"], params["VersionId"]
        check_policy_arn(arn)
        aws = aws_managed_policies.by_arn(arn)
        if aws is not None:
            if version_id != aws.version_id:
                raise _version_missing(arn, version_id)
            return {"PolicyVersion": {"Document": encoded(aws.document), "VersionId": aws.version_id,
                                      "IsDefaultVersion": True, "CreateDate": parse_iso(aws.updated)}}

        def read(s: Session) -> IamPolicyVersion:
            self._own_policy(s, ctx.account, arn)
            version = s.iam.policy_version(arn, version_id)
            if version is None:
                raise _version_missing(arn, version_id)
            return version

        return {"PolicyVersion": version_shape(await self.store.read(read))}

    async def list_policy_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["PolicyArn"]
        check_policy_arn(arn)
        page = page_of(params)
        aws = aws_managed_policies.by_arn(arn)
        if aws is not None:
            only = {"VersionId": aws.version_id, "IsDefaultVersion": True, "CreateDate": parse_iso(aws.updated)}
            return {"Versions": [only], "IsTruncated": False}

        def read(s: Session) -> list[IamPolicyVersion]:
            self._own_policy(s, ctx.account, arn)
            return s.iam.policy_versions(arn)

        versions = await self.store.read(read)
        return whole_listing("Versions", versions, page, lambda v: v.version_id,
                             lambda v: version_shape(v, with_document=False))

    async def set_default_policy_version(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn, version_id = params["PolicyArn"], params["VersionId"]
        check_policy_arn(arn)
        _not_aws_owned(arn, "change")

        def update(s: Session) -> None:
            self._own_policy(s, ctx.account, arn)
            if s.iam.policy_version(arn, version_id) is None:
                raise _version_missing(arn, version_id)
            s.iam.set_default_version(arn, version_id)

        await self.store.write(update)

    async def delete_policy_version(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn, version_id = params["PolicyArn"], params["VersionId"]
        check_policy_arn(arn)
        _not_aws_owned(arn, "change")

        def delete(s: Session) -> None:
            self._own_policy(s, ctx.account, arn)
            version = s.iam.policy_version(arn, version_id)
            if version is None:
                raise _version_missing(arn, version_id, deletable=True)
            if version.is_default:
                raise delete_conflict("Cannot delete the default version of a policy.")
            s.iam.delete_policy_version(arn, version_id)

        await self.store.write(delete)

    # -- policy tags ------------------------------------------------------------------
    async def tag_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        tags = tags_given(params)
        await self.store.write(lambda s: add_tags(
            s, self._own_policy(s, ctx.account, params["PolicyArn"]).policy_id, tags))

    async def untag_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self.store.write(lambda s: _tagging.remove(
            s, self._own_policy(s, ctx.account, params["PolicyArn"]).policy_id, params["TagKeys"]))

    async def list_policy_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        tags = await self.store.read(lambda s: s.tags.get(
            self._own_policy(s, ctx.account, params["PolicyArn"]).policy_id))
        return whole_listing("Tags", _tagging.as_list(tags), page, lambda t: t["Key"], lambda t: t)

    # -- inline policies ------------------------------------------------------------
    async def _put_inline(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> None:
        name, policy_name, document = params[who.name_param], params["PolicyName"], params["PolicyDocument"]
        check_identity_policy(document)

        def put(s: Session) -> None:
            principal_id = self._principal_id(s, ctx.account, who, name, modifying=True)
            s.iam.lock(who.kind, principal_id)
            others = sum(_size(s.iam.inline_policy(principal_id, other) or "")
                         for other in s.iam.inline_policy_names(principal_id) if other != policy_name)
            if others + _size(document) > MAX_INLINE_SIZE[who.kind]:
                raise limit_exceeded(f"Maximum policy size of {MAX_INLINE_SIZE[who.kind]} bytes exceeded for "
                                     f"{who.kind} {name}")
            s.iam.put_inline_policy(principal_id, policy_name, document)

        await self.store.write(put)

    async def _get_inline(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> dict[str, Any]:
        name, policy_name = params[who.name_param], params["PolicyName"]

        def read(s: Session) -> str:
            document = s.iam.inline_policy(self._principal_id(s, ctx.account, who, name), policy_name)
            if document is None:
                raise no_such_entity(f"The {who.kind} policy with name {policy_name} cannot be found.")
            return document

        document = await self.store.read(read)
        return {who.name_param: name, "PolicyName": policy_name, "PolicyDocument": encoded(document)}

    async def _delete_inline(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> None:
        name, policy_name = params[who.name_param], params["PolicyName"]

        def delete(s: Session) -> None:
            principal_id = self._principal_id(s, ctx.account, who, name, modifying=True)
            if not s.iam.delete_inline_policy(principal_id, policy_name):
                raise no_such_entity(f"The {who.kind} policy with name {policy_name} cannot be found.")

        await self.store.write(delete)

    async def _list_inline(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> dict[str, Any]:
        page = page_of(params)
        names = await self.store.read(lambda s: s.iam.inline_policy_names(
            self._principal_id(s, ctx.account, who, params[who.name_param])))
        return whole_listing("PolicyNames", names, page, lambda n: n, lambda n: n)

    async def put_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._put_inline(ctx, params, _USER)

    async def get_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._get_inline(ctx, params, _USER)

    async def delete_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._delete_inline(ctx, params, _USER)

    async def list_user_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_inline(ctx, params, _USER)

    async def put_group_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._put_inline(ctx, params, _GROUP)

    async def get_group_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._get_inline(ctx, params, _GROUP)

    async def delete_group_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._delete_inline(ctx, params, _GROUP)

    async def list_group_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_inline(ctx, params, _GROUP)

    async def put_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._put_inline(ctx, params, _ROLE)

    async def get_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._get_inline(ctx, params, _ROLE)

    async def delete_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._delete_inline(ctx, params, _ROLE)

    async def list_role_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_inline(ctx, params, _ROLE)

    # -- attached managed policies ----------------------------------------------------
    async def _attach(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> None:
        arn = params["PolicyArn"]

        def attach(s: Session) -> None:
            principal_id = self._principal_id(s, ctx.account, who, params[who.name_param], modifying=True)
            self._attachable(s, ctx.account, arn)
            s.iam.lock(who.kind, principal_id)
            held = s.iam.attached(principal_id)
            if arn not in held and len(held) >= MAX_MANAGED_POLICIES_PER_PRINCIPAL:
                raise limit_exceeded(f"Cannot exceed quota for PoliciesPer{who.label}: "
                                     f"{MAX_MANAGED_POLICIES_PER_PRINCIPAL}")
            s.iam.attach(ctx.account, who.kind, principal_id, arn)

        await self.store.write(attach)

    async def _detach(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> None:
        arn = params["PolicyArn"]
        check_policy_arn(arn)

        def detach(s: Session) -> None:
            principal_id = self._principal_id(s, ctx.account, who, params[who.name_param], modifying=True)
            if not s.iam.detach(principal_id, arn):
                raise policy_not_found(arn)

        await self.store.write(detach)

    async def _list_attached(self, ctx: RequestContext, params: dict[str, Any], who: _Principal) -> dict[str, Any]:
        page = page_of(params)
        prefix = params.get("PathPrefix") or "/"
        arns = await self.store.read(lambda s: s.iam.attached(
            self._principal_id(s, ctx.account, who, params[who.name_param])))
        shown = [{"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in arns
                 if _policy_path(arn).startswith(prefix)]
        return whole_listing("AttachedPolicies", shown, page, lambda p: p["PolicyArn"], lambda p: p)

    async def attach_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._attach(ctx, params, _USER)

    async def detach_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._detach(ctx, params, _USER)

    async def list_attached_user_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_attached(ctx, params, _USER)

    async def attach_group_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._attach(ctx, params, _GROUP)

    async def detach_group_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._detach(ctx, params, _GROUP)

    async def list_attached_group_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_attached(ctx, params, _GROUP)

    async def attach_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._attach(ctx, params, _ROLE)

    async def detach_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self._detach(ctx, params, _ROLE)

    async def list_attached_role_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._list_attached(ctx, params, _ROLE)

    async def list_entities_for_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["PolicyArn"]
        wanted = params.get("EntityFilter")
        usage = params.get("PolicyUsageFilter")

        def read(s: Session) -> dict[str, Any]:
            self._attachable(s, ctx.account, arn)
            answer: dict[str, list[dict[str, str]]] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
            shapes: dict[str, tuple[str, Callable[[str, str], dict[str, str]]]] = {
                "group": ("PolicyGroups", lambda n, i: {"GroupName": n, "GroupId": i}),
                "user": ("PolicyUsers", lambda n, i: {"UserName": n, "UserId": i}),
                "role": ("PolicyRoles", lambda n, i: {"RoleName": n, "RoleId": i}),
            }
            holders = []
            if usage in (None, "PermissionsPolicy"):
                holders += s.iam.attachments_of(ctx.account, arn)
            if usage in (None, "PermissionsBoundary"):
                holders += s.iam.boundary_holders(ctx.account, arn)
            seen: set[str] = set()
            for found in holders:
                if found.principal_id in seen:
                    continue
                seen.add(found.principal_id)
                if wanted in (None, found.kind.capitalize()):
                    field, shape = shapes[found.kind]
                    answer[field].append(shape(found.principal_name, found.principal_id))
            return {**answer, "IsTruncated": False}

        return await self.store.read(read)


def _policy_path(arn: str) -> str:
    resource = arn.split(":", 5)[5]  # policy/path/name
    return resource[len("policy"):resource.rfind("/") + 1]


__all__ = ["PolicyOperations"]
