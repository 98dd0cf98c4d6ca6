"""The account: its alias and its summary."""

from __future__ import annotations

from typing import Any

from eventyard.core.identity import RequestContext
from eventyard.services.iam._base import (
    MAX_ACCESS_KEYS_PER_USER,
    MAX_MANAGED_POLICIES_PER_PRINCIPAL,
    MAX_POLICY_VERSIONS,
    IamBase,
    already_exists,
    no_such_entity,
)
from eventyard.services.iam.policies import MAX_INLINE_SIZE, MAX_MANAGED_POLICY_SIZE
from eventyard.store import ConflictError, Session


class AccountOperations(IamBase):
    async def create_account_alias(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        alias = params["AccountAlias"]
        try:
            await self.store.write(lambda s: s.iam.set_account_alias(ctx.account, alias))
        except ConflictError:
            raise already_exists(f"The account alias {alias} already exists.") from None

    async def delete_account_alias(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        alias = params["AccountAlias"]

        def delete(s: Session) -> None:
            if s.iam.account_alias(ctx.account) != alias:
                raise no_such_entity(f"The account alias {alias} cannot be found.")
            s.iam.delete_account_alias(ctx.account)

        await self.store.write(delete)

    async def list_account_aliases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        alias = await self.store.read(lambda s: s.iam.account_alias(ctx.account))
        return {"AccountAliases": [alias] if alias else [], "IsTruncated": False}

    async def get_account_summary(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        counts = await self.store.read(lambda s: s.iam.counts(ctx.account))
        summary = {
            "Users": counts["Users"], "UsersQuota": 5000,
            "Groups": counts["Groups"], "GroupsQuota": 300,
            "Roles": counts["Roles"], "RolesQuota": 1000,
            "Policies": counts["Policies"], "PoliciesQuota": 1500,
            "InstanceProfiles": counts["InstanceProfiles"], "InstanceProfilesQuota": 1000,
            "AttachedPoliciesPerUserQuota": MAX_MANAGED_POLICIES_PER_PRINCIPAL,
            "AttachedPoliciesPerGroupQuota": MAX_MANAGED_POLICIES_PER_PRINCIPAL,
            "AttachedPoliciesPerRoleQuota": MAX_MANAGED_POLICIES_PER_PRINCIPAL,
            "PolicyVersionsInUse": counts["PolicyVersionsInUse"], "PolicyVersionsInUseQuota": 10000,
            "VersionsPerPolicyQuota": MAX_POLICY_VERSIONS, "PolicySizeQuota": MAX_MANAGED_POLICY_SIZE,
            "UserPolicySizeQuota": MAX_INLINE_SIZE["user"], "GroupPolicySizeQuota": MAX_INLINE_SIZE["group"],
            "RolePolicySizeQuota": MAX_INLINE_SIZE["role"], "AssumeRolePolicySizeQuota": 2048,
            "AccessKeysPerUserQuota": MAX_ACCESS_KEYS_PER_USER, "GroupsPerUserQuota": 10,
            "SigningCertificatesPerUserQuota": 2, "ServerCertificates": 0, "ServerCertificatesQuota": 20,
            "MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0,
            "AccountPasswordPresent": 0, "AccountSigningCertificatesPresent": 0, "Providers": 0,
            "GlobalEndpointTokenVersion": 1,
        }
        return {"SummaryMap": summary}
