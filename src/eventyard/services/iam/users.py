"""IAM users, groups and access keys."""

from __future__ import annotations

from typing import Any

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.services.iam._base import (
    MAX_ACCESS_KEYS_PER_USER,
    IamBase,
    access_key_shape,
    add_tags,
    already_exists,
    delete_conflict,
    entity_arn,
    group_shape,
    iso,
    limit_exceeded,
    listing,
    new_id,
    new_secret,
    no_such_entity,
    page_of,
    tags_given,
    user_shape,
    validation_error,
    whole_listing,
)
from eventyard.store import ConflictError, Session
from eventyard.store.iam import IamAccessKey, IamGroup, IamUser


class UserOperations(IamBase):
    async def create_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["UserName"], params.get("Path") or "/"
        tags = tags_given(params)
        boundary = params.get("PermissionsBoundary")
        user = IamUser(ctx.account, name, new_id("AIDA"), entity_arn(ctx.account, "user", path, name), path,
                       boundary, clock.now_ms())

        def create(s: Session) -> None:
            if boundary is not None:
                self._attachable(s, ctx.account, boundary, as_boundary=True)
            if s.iam.user(ctx.account, name) is not None:
                raise already_exists(f"User with name {name} already exists.")
            s.iam.insert_user(user)
            s.tags.put(user.user_id, tags)

        try:
            await self.store.write(create)
        except ConflictError:
            raise already_exists(f"User with name {name} already exists.") from None
        return {"User": user_shape(user, tags)}

    async def get_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("UserName")
        if name is None:
            # no name: the caller itself; the account's root when the caller is no IAM user
            key = await self._caller_key(ctx)
            if key is None and (ctx.access_key or "").startswith("ASIA"):  # temporary credentials: no user
                raise validation_error("Must specify userName when calling with non-User credentials")
            if key is None:
                return {"User": {"UserId": ctx.account, "Arn": f"arn:aws:iam::{ctx.account}:root",
                                 "CreateDate": iso(0)}}
            name = key.user_name

        def read(s: Session) -> dict[str, Any]:
            user = self._user(s, ctx.account, name)
            return user_shape(user, s.tags.get(user.user_id))

        return {"User": await self.store.read(read)}

    async def list_users(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        found = await self.store.read(lambda s: s.iam.users(ctx.account, path_prefix=params.get("PathPrefix"),
                                                            after=page.after, limit=page.read_limit))
        return listing("Users", found, page, lambda u: u.user_name.lower(), user_shape)

    async def update_user(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        name = params["UserName"]

        def update(s: Session) -> None:
            user = self._user(s, ctx.account, name)
            new_name = params.get("NewUserName") or user.user_name
            new_path = params.get("NewPath") or user.path
            if new_name.lower() != user.user_name.lower() and s.iam.user(ctx.account, new_name) is not None:
                raise already_exists(f"User with name {new_name} already exists.")
            s.iam.update_user(user.user_id, name=new_name, path=new_path,
                              arn=entity_arn(ctx.account, "user", new_path, new_name))

        await self.store.write(update)

    async def delete_user(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        name = params["UserName"]

        def delete(s: Session) -> None:
            user = self._user(s, ctx.account, name)
            if s.iam.inline_policy_names(user.user_id):
                raise delete_conflict("Cannot delete entity, must delete policies first.")
            if s.iam.attached(user.user_id):
                raise delete_conflict("Cannot delete entity, must detach all policies first.")
            if s.iam.access_keys_of(user.user_id):
                raise delete_conflict("Cannot delete entity, must delete access keys first.")
            if s.iam.groups_of_user(user.user_id):  # AWS's words are the same as DeleteGroup's
                raise delete_conflict("Cannot delete entity, must remove users from group first.")
            s.iam.delete_user(user.user_id)

        await self.store.write(delete)

    async def tag_user(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        tags = tags_given(params)

        def tag(s: Session) -> None:
            add_tags(s, self._user(s, ctx.account, params["UserName"]).user_id, tags)

        await self.store.write(tag)

    async def untag_user(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def untag(s: Session) -> None:
            _tagging.remove(s, self._user(s, ctx.account, params["UserName"]).user_id, params["TagKeys"])

        await self.store.write(untag)

    async def list_user_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        tags = await self.store.read(lambda s: s.tags.get(self._user(s, ctx.account, params["UserName"]).user_id))
        return whole_listing("Tags", _tagging.as_list(tags), page, lambda t: t["Key"], lambda t: t)

    async def put_user_permissions_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["PermissionsBoundary"]

        def put(s: Session) -> None:
            user = self._user(s, ctx.account, params["UserName"])
            self._attachable(s, ctx.account, arn, as_boundary=True)
            s.iam.set_user_boundary(user.user_id, arn)

        await self.store.write(put)

    async def delete_user_permissions_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        await self.store.write(lambda s: s.iam.set_user_boundary(
            self._user(s, ctx.account, params["UserName"]).user_id, None))


class GroupOperations(IamBase):
    async def create_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["GroupName"], params.get("Path") or "/"
        group = IamGroup(ctx.account, name, new_id("AGPA"), entity_arn(ctx.account, "group", path, name), path,
                         clock.now_ms())

        def create(s: Session) -> None:
            if s.iam.group(ctx.account, name) is not None:
                raise already_exists(f"Group with name {name} already exists.")
            s.iam.insert_group(group)

        try:
            await self.store.write(create)
        except ConflictError:
            raise already_exists(f"Group with name {name} already exists.") from None
        return {"Group": group_shape(group)}

    async def get_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)

        def read(s: Session) -> tuple[IamGroup, list[IamUser]]:
            group = self._group(s, ctx.account, params["GroupName"])
            return group, s.iam.members(group.group_id)

        group, members = await self.store.read(read)
        answer = whole_listing("Users", members, page, lambda u: u.user_name.lower(), user_shape)
        return {"Group": group_shape(group), **answer}

    async def list_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        found = await self.store.read(lambda s: s.iam.groups(ctx.account, path_prefix=params.get("PathPrefix"),
                                                             after=page.after, limit=page.read_limit))
        return listing("Groups", found, page, lambda g: g.group_name.lower(), group_shape)

    async def update_group(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def update(s: Session) -> None:
            group = self._group(s, ctx.account, params["GroupName"])
            new_name = params.get("NewGroupName") or group.group_name
            new_path = params.get("NewPath") or group.path
            if new_name.lower() != group.group_name.lower() and s.iam.group(ctx.account, new_name) is not None:
                raise already_exists(f"Group with name {new_name} already exists.")
            s.iam.update_group(group.group_id, name=new_name, path=new_path,
                               arn=entity_arn(ctx.account, "group", new_path, new_name))

        await self.store.write(update)

    async def delete_group(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            group = self._group(s, ctx.account, params["GroupName"])
            if s.iam.members(group.group_id):
                raise delete_conflict("Cannot delete entity, must remove users from group first.")
            if s.iam.inline_policy_names(group.group_id):
                raise delete_conflict("Cannot delete entity, must delete policies first.")
            if s.iam.attached(group.group_id):
                raise delete_conflict("Cannot delete entity, must detach all policies first.")
            s.iam.delete_group(group.group_id)

        await self.store.write(delete)

    async def add_user_to_group(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def add(s: Session) -> None:
            group = self._group(s, ctx.account, params["GroupName"])
            user = self._user(s, ctx.account, params["UserName"])
            s.iam.add_member(group.group_id, user.user_id)

        await self.store.write(add)

    async def remove_user_from_group(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        def remove(s: Session) -> None:
            group = self._group(s, ctx.account, params["GroupName"])
            user = self._user(s, ctx.account, params["UserName"])
            if not s.iam.remove_member(group.group_id, user.user_id):
                raise no_such_entity(f"User {user.user_name} is not in group {group.group_name}.")

        await self.store.write(remove)

    async def list_groups_for_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page = page_of(params)
        groups = await self.store.read(lambda s: s.iam.groups_of_user(
            self._user(s, ctx.account, params["UserName"]).user_id))
        return whole_listing("Groups", groups, page, lambda g: g.group_name.lower(), group_shape)


class AccessKeyOperations(IamBase):
    async def _key_owner(self, ctx: RequestContext, params: dict[str, Any]) -> str:
        """The user an access key operation is about: the named one, else the caller."""
        name = params.get("UserName")
        if name is not None:
            return str(name)
        key = await self._caller_key(ctx)
        if key is None:
            raise validation_error("Must specify userName when calling with non-User credentials")
        return key.user_name

    async def create_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = await self._key_owner(ctx, params)

        def create(s: Session) -> IamAccessKey:
            user = self._user(s, ctx.account, name)
            s.iam.lock("user", user.user_id)
            if len(s.iam.access_keys_of(user.user_id)) >= MAX_ACCESS_KEYS_PER_USER:
                raise limit_exceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}")
            key = IamAccessKey(new_id("AKIA", 16), new_secret(), ctx.account, user.user_name, user.arn,
                               user.user_id, "Active", clock.now_ms())
            s.iam.insert_access_key(key)
            return key

        key = await self.store.write(create)
        return {"AccessKey": {**access_key_shape(key), "SecretAccessKey": key.secret_access_key}}

    async def list_access_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = await self._key_owner(ctx, params)
        page = page_of(params)
        keys = await self.store.read(lambda s: s.iam.access_keys_of(self._user(s, ctx.account, name).user_id))
        return whole_listing("AccessKeyMetadata", keys, page, lambda k: k.access_key_id, access_key_shape)

    def _own_key(self, s: Session, ctx: RequestContext, name: str, key_id: str) -> IamAccessKey:
        user = self._user(s, ctx.account, name)
        key = s.iam.access_key(key_id)
        if key is None or key.user_id != user.user_id:
            raise no_such_entity(f"The Access Key with id {key_id} cannot be found.")
        return key

    async def update_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        name = await self._key_owner(ctx, params)

        def update(s: Session) -> None:
            key = self._own_key(s, ctx, name, params["AccessKeyId"])
            s.iam.set_access_key_status(key.access_key_id, params["Status"])

        await self.store.write(update)

    async def delete_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        name = await self._key_owner(ctx, params)

        def delete(s: Session) -> None:
            s.iam.delete_access_key(self._own_key(s, ctx, name, params["AccessKeyId"]).access_key_id)

        await self.store.write(delete)

    async def get_access_key_last_used(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key_id = params["AccessKeyId"]
        key = await self.store.read(lambda s: s.iam.access_key(key_id))
        if key is None or key.account_id != ctx.account:
            raise no_such_entity(f"The Access Key with id {key_id} cannot be found.")
        used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
        if key.last_used_ms is not None:
            used = {"LastUsedDate": iso(key.last_used_ms), "ServiceName": key.last_used_service or "N/A",
                    "Region": key.last_used_region or "N/A"}
        return {"UserName": key.user_name, "AccessKeyLastUsed": used}
