"""AWS Identity and Access Management: users, groups, access keys, roles, managed and
inline policies, instance profiles, service-linked roles, the account alias and the
policy simulator. IAM is global: ARNs carry no region, and clients sign for us-east-1."""

from __future__ import annotations

from eventyard.core import clock
from eventyard.services._operations import OperationTable
from eventyard.services.iam.account import AccountOperations
from eventyard.services.iam.policies import PolicyOperations
from eventyard.services.iam.roles import InstanceProfileOperations, RoleOperations
from eventyard.services.iam.simulate import SimulateOperations
from eventyard.services.iam.users import AccessKeyOperations, GroupOperations, UserOperations


class IamService(UserOperations, GroupOperations, AccessKeyOperations, RoleOperations, InstanceProfileOperations,
                 PolicyOperations, AccountOperations, SimulateOperations):
    """One method per IAM operation (declared in ``OPERATIONS`` below), one module per
    concern sharing ``IamBase`` (the store). Everything is per account: another
    account's user, role or policy is simply not found."""

    async def note_access_key_used(self, access_key_id: str, service: str, region: str) -> None:
        """Record a request signed with an IAM access key (GetAccessKeyLastUsed shows it);
        for whoever authenticates requests, never an operation."""
        now = clock.now_ms()
        await self.store.write(lambda s: s.iam.note_access_key_used(access_key_id, now, service, region))


S = IamService
# Every IAM operation eventyard serves, and the method serving it.
OPERATIONS: OperationTable = {
    # users
    "CreateUser": S.create_user,
    "GetUser": S.get_user,
    "ListUsers": S.list_users,
    "UpdateUser": S.update_user,
    "DeleteUser": S.delete_user,
    "TagUser": S.tag_user,
    "UntagUser": S.untag_user,
    "ListUserTags": S.list_user_tags,
    "PutUserPermissionsBoundary": S.put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary": S.delete_user_permissions_boundary,
    # groups
    "CreateGroup": S.create_group,
    "GetGroup": S.get_group,
    "ListGroups": S.list_groups,
    "UpdateGroup": S.update_group,
    "DeleteGroup": S.delete_group,
    "AddUserToGroup": S.add_user_to_group,
    "RemoveUserFromGroup": S.remove_user_from_group,
    "ListGroupsForUser": S.list_groups_for_user,
    # access keys
    "CreateAccessKey": S.create_access_key,
    "ListAccessKeys": S.list_access_keys,
    "UpdateAccessKey": S.update_access_key,
    "DeleteAccessKey": S.delete_access_key,
    "GetAccessKeyLastUsed": S.get_access_key_last_used,
    # roles
    "CreateRole": S.create_role,
    "GetRole": S.get_role,
    "ListRoles": S.list_roles,
    "UpdateRole": S.update_role,
    "UpdateRoleDescription": S.update_role_description,
    "UpdateAssumeRolePolicy": S.update_assume_role_policy,
    "DeleteRole": S.delete_role,
    "TagRole": S.tag_role,
    "UntagRole": S.untag_role,
    "ListRoleTags": S.list_role_tags,
    "PutRolePermissionsBoundary": S.put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": S.delete_role_permissions_boundary,
    "CreateServiceLinkedRole": S.create_service_linked_role,
    "DeleteServiceLinkedRole": S.delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": S.get_service_linked_role_deletion_status,
    # instance profiles
    "CreateInstanceProfile": S.create_instance_profile,
    "GetInstanceProfile": S.get_instance_profile,
    "ListInstanceProfiles": S.list_instance_profiles,
    "DeleteInstanceProfile": S.delete_instance_profile,
    "AddRoleToInstanceProfile": S.add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": S.remove_role_from_instance_profile,
    "ListInstanceProfilesForRole": S.list_instance_profiles_for_role,
    "TagInstanceProfile": S.tag_instance_profile,
    "UntagInstanceProfile": S.untag_instance_profile,
    "ListInstanceProfileTags": S.list_instance_profile_tags,
    # managed policies and versions
    "CreatePolicy": S.create_policy,
    "GetPolicy": S.get_policy,
    "ListPolicies": S.list_policies,
    "DeletePolicy": S.delete_policy,
    "CreatePolicyVersion": S.create_policy_version,
    "GetPolicyVersion": S.get_policy_version,
    "ListPolicyVersions": S.list_policy_versions,
    "SetDefaultPolicyVersion": S.set_default_policy_version,
    "DeletePolicyVersion": S.delete_policy_version,
    "TagPolicy": S.tag_policy,
    "UntagPolicy": S.untag_policy,
    "ListPolicyTags": S.list_policy_tags,
    # inline policies
    "PutUserPolicy": S.put_user_policy,
    "GetUserPolicy": S.get_user_policy,
    "DeleteUserPolicy": S.delete_user_policy,
    "ListUserPolicies": S.list_user_policies,
    "PutGroupPolicy": S.put_group_policy,
    "GetGroupPolicy": S.get_group_policy,
    "DeleteGroupPolicy": S.delete_group_policy,
    "ListGroupPolicies": S.list_group_policies,
    "PutRolePolicy": S.put_role_policy,
    "GetRolePolicy": S.get_role_policy,
    "DeleteRolePolicy": S.delete_role_policy,
    "ListRolePolicies": S.list_role_policies,
    # attached managed policies
    "AttachUserPolicy": S.attach_user_policy,
    "DetachUserPolicy": S.detach_user_policy,
    "ListAttachedUserPolicies": S.list_attached_user_policies,
    "AttachGroupPolicy": S.attach_group_policy,
    "DetachGroupPolicy": S.detach_group_policy,
    "ListAttachedGroupPolicies": S.list_attached_group_policies,
    "AttachRolePolicy": S.attach_role_policy,
    "DetachRolePolicy": S.detach_role_policy,
    "ListAttachedRolePolicies": S.list_attached_role_policies,
    "ListEntitiesForPolicy": S.list_entities_for_policy,
    # the account
    "CreateAccountAlias": S.create_account_alias,
    "DeleteAccountAlias": S.delete_account_alias,
    "ListAccountAliases": S.list_account_aliases,
    "GetAccountSummary": S.get_account_summary,
    # the simulator
    "SimulatePrincipalPolicy": S.simulate_principal_policy,
    "SimulateCustomPolicy": S.simulate_custom_policy,
}
