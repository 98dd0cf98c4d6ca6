"""IAM roles, their instance profiles, and service-linked roles."""

from __future__ import annotations

import json
import re
from typing import Any

from eventyard.core import clock, ids
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.services.iam._base import (
    DEFAULT_MAX_SESSION_DURATION,
    SERVICE_ROLE_PATH_PREFIX,
    IamBase,
    add_tags,
    already_exists,
    delete_conflict,
    entity_arn,
    invalid_input,
    limit_exceeded,
    listing,
    new_id,
    no_such_entity,
    page_of,
    profile_not_found,
    profile_shape,
    role_shape,
    tags_given,
    unmodifiable,
    whole_listing,
)
from eventyard.services.iam.documents import check_trust_policy, invalid_principal, named_principals
from eventyard.store import ConflictError, Session
from eventyard.store.iam import IamInstanceProfile, IamRole


def _check_principals_exist(s: Session, arns: list[str]) -> None:
    """A trust policy may name only users and roles that exist (AWS keeps their ids, so a
    deleted and re-created role is another principal); any account's, since all live here."""
    for arn in arns:
        parts = arn.split(":", 5)
        kind, name = parts[5].split("/", 1)[0], parts[5].rsplit("/", 1)[1]
        if "*" in arn or "?" in arn:
            raise invalid_principal(arn)
        found = s.iam.user(parts[4], name) if kind == "user" else s.iam.role(parts[4], name)
        if found is None or found.arn != arn:
            raise invalid_principal(arn)


def _protected(role: IamRole) -> bool:
    return role.path.startswith(SERVICE_ROLE_PATH_PREFIX)


def _protected_error(role: IamRole) -> Exception:
    return unmodifiable(f"Cannot perform the operation on the protected role '{role.role_name}' - "
                        "this role is only modifiable by AWS")


class RoleOperations(IamBase):
    async def create_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["RoleName"], params.get("Path") or "/"
        document = params["AssumeRolePolicyDocument"]
        principals = named_principals(check_trust_policy(document))
        tags = tags_given(params)
        boundary = params.get("PermissionsBoundary")
        role = IamRole(ctx.account, name, new_id("AROA"), entity_arn(ctx.account, "role", path, name), path,
                       document, int(params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_DURATION), boundary,
                       clock.now_ms(), params.get("Description"))
        await self._insert_role(role, tags, principals=principals)
        shape = role_shape(role, tags)
        del shape["RoleLastUsed"]  # CreateRole's answer has none
        return {"Role": shape}

    async def _insert_role(self, role: IamRole, tags: dict[str, str], taken: str | None = None,
                           principals: list[str] | None = None) -> None:
        taken = taken or f"Role with name {role.role_name} already exists."

        def create(s: Session) -> None:
            _check_principals_exist(s, principals or [])
            if role.permissions_boundary_arn is not None:
                self._attachable(s, role.account_id, role.permissions_boundary_arn, as_boundary=True)
            if s.iam.role(role.account_id, role.role_name) is not None:
                raise (already_exists(taken) if taken.startswith("Role") else invalid_input(taken))
            s.iam.insert_role(role)
            s.tags.put(role.role_id, tags)

        try:
            await self.store.write(create)
        except ConflictError:
            raise already_exists(taken) from None

    async def get_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def read(s: Session) -> dict[str, Any]:
            role = self._role(s, ctx.account, params["RoleName"])
            return role_shape(role, s.tags.get(role.role_id))

        return {"Role": await self.store.read(read)}

    async def list_roles(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        found = await self.store.read(lambda s: s.iam.roles(ctx.account, path_prefix=params.get("PathPrefix"),
                                                            after=page.after, limit=page.read_limit))
        return listing("Roles", found, page, lambda r: r.role_name.lower(), lambda r: role_shape(r, full=False))

    async def update_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def update(s: Session) -> None:
            role = self._role(s, ctx.account, params["RoleName"])
            if _protected(role):
                raise _protected_error(role)
            description = params["Description"] if "Description" in params else role.description
            duration = int(params.get("MaxSessionDuration") or role.max_session_duration)
            s.iam.update_role(role.role_id, description=description, max_session_duration=duration)

        await self.store.write(update)
        return {}

    async def update_role_description(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def update(s: Session) -> dict[str, Any]:
            role = self._role(s, ctx.account, params["RoleName"])
            s.iam.update_role(role.role_id, description=params["Description"],
                              max_session_duration=role.max_session_duration)
            changed = self._role(s, ctx.account, role.role_name)
            return role_shape(changed, s.tags.get(role.role_id))

        return {"Role": await self.store.write(update)}

    async def update_assume_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        document = params["PolicyDocument"]
        principals = named_principals(check_trust_policy(document))

        def update(s: Session) -> None:
            role = self._role(s, ctx.account, params["RoleName"])
            if _protected(role):
                raise _protected_error(role)
            _check_principals_exist(s, principals)
            s.iam.set_trust_policy(role.role_id, document)

        await self.store.write(update)

    async def delete_role(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            role = self._role(s, ctx.account, params["RoleName"])
            if _protected(role):
                raise _protected_error(role)
            self._check_role_deletable(s, role)
            s.iam.delete_role(role.role_id)

        await self.store.write(delete)

    @staticmethod
    def _check_role_deletable(s: Session, role: IamRole) -> None:
        if s.iam.profiles_of_role(role.role_id):
            raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")
        if s.iam.inline_policy_names(role.role_id):
            raise delete_conflict("Cannot delete entity, must delete policies first.")
        if s.iam.attached(role.role_id):
            raise delete_conflict("Cannot delete entity, must detach all policies first.")

    async def tag_role(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        tags = tags_given(params)
        await self.store.write(lambda s: add_tags(s, self._role(s, ctx.account, params["RoleName"]).role_id, tags))

    async def untag_role(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self.store.write(lambda s: _tagging.remove(
            s, self._role(s, ctx.account, params["RoleName"]).role_id, params["TagKeys"]))

    async def list_role_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        tags = await self.store.read(lambda s: s.tags.get(self._role(s, ctx.account, params["RoleName"]).role_id))
        return whole_listing("Tags", _tagging.as_list(tags), page, lambda t: t["Key"], lambda t: t)

    async def put_role_permissions_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["PermissionsBoundary"]

        def put(s: Session) -> None:
            role = self._role(s, ctx.account, params["RoleName"])
            if _protected(role):
                raise _protected_error(role)
            self._attachable(s, ctx.account, arn, as_boundary=True)
            s.iam.set_role_boundary(role.role_id, arn)

        await self.store.write(put)

    async def delete_role_permissions_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            role = self._role(s, ctx.account, params["RoleName"])
            if _protected(role):
                raise _protected_error(role)
            s.iam.set_role_boundary(role.role_id, None)

        await self.store.write(delete)

    # -- service-linked roles --------------------------------------------------------
    async def create_service_linked_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        service = params["AWSServiceName"]
        if not _SERVICE_PRINCIPAL.match(service):
            raise invalid_input(f"Invalid service name {service}.") from None
        name = service_linked_role_name(service)
        suffix = params.get("CustomSuffix")
        if suffix:
            name = f"{name}_{suffix}"
        path = f"{SERVICE_ROLE_PATH_PREFIX}{service}/"
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"]}]})
        role = IamRole(ctx.account, name, new_id("AROA"), entity_arn(ctx.account, "role", path, name), path, trust,
                       DEFAULT_MAX_SESSION_DURATION, None, clock.now_ms(), params.get("Description"))
        await self._insert_role(role, {}, taken=f"Service role name {name} has been taken in this account, "
                                                "please try a different suffix.")
        return {"Role": role_shape(role, full=False)}

    async def delete_service_linked_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def delete(s: Session) -> str:
            role = self._role(s, ctx.account, params["RoleName"])
            if not _protected(role):
                raise invalid_input(f"Role {role.role_name} is not a service-linked role.")
            s.iam.delete_inline_policies(role.role_id)
            for arn in s.iam.attached(role.role_id):
                s.iam.detach(role.role_id, arn)
            self._check_role_deletable(s, role)
            s.iam.delete_role(role.role_id)
            return f"task{role.path}{role.role_name}/{ids.uuid4()}"

        # AWS deletes asynchronously; here the deletion is done when the task id is given
        return {"DeletionTaskId": await self.store.write(delete)}

    async def get_service_linked_role_deletion_status(self, ctx: RequestContext,
                                                      params: dict[str, Any]) -> dict[str, Any]:
        task = params["DeletionTaskId"]
        found = _DELETION_TASK.match(task)
        if found is None:
            raise invalid_input(f"Invalid deletion task id {task}.")
        role = await self.store.read(lambda s: s.iam.role(ctx.account, found.group(2)))
        if role is not None and role.path == f"{SERVICE_ROLE_PATH_PREFIX}{found.group(1)}/":
            return {"Status": "IN_PROGRESS"}
        return {"Status": "SUCCEEDED"}


_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$")
_DELETION_TASK = re.compile(r"^task/aws-service-role/([^/]+)/([\w+=,.@-]+)/[0-9a-f-]{36}$")
# Names AWS gives the service-linked roles of well-known services; others follow the rule below.
_KNOWN_ROLE_NAMES = {
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "apidestinations.events.amazonaws.com": "AWSServiceRoleForAmazonEventBridgeApiDestinations",
    "lambda.amazonaws.com": "AWSServiceRoleForLambda",
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
    "es.amazonaws.com": "AWSServiceRoleForAmazonElasticsearchService",
    "opensearchservice.amazonaws.com": "AWSServiceRoleForAmazonOpenSearchService",
    "spot.amazonaws.com": "AWSServiceRoleForEC2Spot",
    "organizations.amazonaws.com": "AWSServiceRoleForOrganizations",
    "sso.amazonaws.com": "AWSServiceRoleForSSO",
    "config.amazonaws.com": "AWSServiceRoleForConfig",
    "dynamodb.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
}


def service_linked_role_name(service: str) -> str:
    """``AWSServiceRoleFor`` and the service's name (``elasticbeanstalk.amazonaws.com`` ->
    ``AWSServiceRoleForElasticBeanstalk`` on AWS; here the first label, capitalised)."""
    known = _KNOWN_ROLE_NAMES.get(service)
    if known:
        return known
    label = service.split(".")[0]
    return "AWSServiceRoleFor" + "".join(part[:1].upper() + part[1:] for part in label.split("-"))


class InstanceProfileOperations(IamBase):
    @staticmethod
    def _profile(s: Session, account: str, name: str) -> IamInstanceProfile:
        profile = s.iam.instance_profile(account, name)
        if profile is None:
            raise profile_not_found(name)
        return profile

    async def create_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["InstanceProfileName"], params.get("Path") or "/"
        tags = tags_given(params)
        profile = IamInstanceProfile(ctx.account, name, new_id("AIPA"),
                                     entity_arn(ctx.account, "instance-profile", path, name), path, clock.now_ms())

        def create(s: Session) -> None:
            if s.iam.instance_profile(ctx.account, name) is not None:
                raise already_exists(f"Instance Profile {name} already exists.")
            s.iam.insert_instance_profile(profile)
            s.tags.put(profile.profile_id, tags)

        try:
            await self.store.write(create)
        except ConflictError:
            raise already_exists(f"Instance Profile {name} already exists.") from None
        return {"InstanceProfile": profile_shape(profile, [], tags)}

    async def get_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def read(s: Session) -> dict[str, Any]:
            profile = self._profile(s, ctx.account, params["InstanceProfileName"])
            return profile_shape(profile, s.iam.profile_roles(profile.profile_id), s.tags.get(profile.profile_id))

        return {"InstanceProfile": await self.store.read(read)}

    async def list_instance_profiles(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)

        def read(s: Session) -> list[dict[str, Any]]:
            found = s.iam.instance_profiles(ctx.account, path_prefix=params.get("PathPrefix"), after=page.after,
                                            limit=page.read_limit)
            return [profile_shape(p, s.iam.profile_roles(p.profile_id)) for p in found]

        shapes = await self.store.read(read)
        return listing("InstanceProfiles", shapes, page, lambda p: p["InstanceProfileName"].lower(), lambda p: p)

    async def delete_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            profile = self._profile(s, ctx.account, params["InstanceProfileName"])
            if s.iam.profile_roles(profile.profile_id):
                raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")
            s.iam.delete_instance_profile(profile.profile_id)

        await self.store.write(delete)

    async def add_role_to_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def add(s: Session) -> None:
            profile = self._profile(s, ctx.account, params["InstanceProfileName"])
            role = self._role(s, ctx.account, params["RoleName"])
            s.iam.lock("instance-profile", profile.profile_id)
            held = s.iam.profile_roles(profile.profile_id)
            if any(r.role_id == role.role_id for r in held):
                raise already_exists(f"Role {role.role_name} is already associated with instance profile "
                                     f"{profile.name}.")
            if held:
                raise limit_exceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
            s.iam.add_profile_role(profile.profile_id, role.role_id)

        await self.store.write(add)

    async def remove_role_from_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def remove(s: Session) -> None:
            profile = self._profile(s, ctx.account, params["InstanceProfileName"])
            role = self._role(s, ctx.account, params["RoleName"])
            if not s.iam.remove_profile_role(profile.profile_id, role.role_id):
                raise no_such_entity(f"The role with name {role.role_name} cannot be found.")

        await self.store.write(remove)

    async def list_instance_profiles_for_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)

        def read(s: Session) -> list[dict[str, Any]]:
            role = self._role(s, ctx.account, params["RoleName"])
            return [profile_shape(p, s.iam.profile_roles(p.profile_id)) for p in s.iam.profiles_of_role(role.role_id)]

        shapes = await self.store.read(read)
        return whole_listing("InstanceProfiles", shapes, page, lambda p: p["InstanceProfileName"].lower(), lambda p: p)

    async def tag_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        tags = tags_given(params)
        await self.store.write(lambda s: add_tags(
            s, self._profile(s, ctx.account, params["InstanceProfileName"]).profile_id, tags))

    async def untag_instance_profile(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self.store.write(lambda s: _tagging.remove(
            s, self._profile(s, ctx.account, params["InstanceProfileName"]).profile_id, params["TagKeys"]))

    async def list_instance_profile_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        tags = await self.store.read(lambda s: s.tags.get(
            self._profile(s, ctx.account, params["InstanceProfileName"]).profile_id))
        return whole_listing("Tags", _tagging.as_list(tags), page, lambda t: t["Key"], lambda t: t)


__all__ = ["InstanceProfileOperations", "RoleOperations", "service_linked_role_name"]
