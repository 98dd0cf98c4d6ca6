"""IAM users, groups and access keys over the wire (boto3, query protocol, XML).

Facts: botocore's IAM model (shapes, limits), the IAM API reference (errors and their
wording: EntityAlreadyExists, NoSuchEntity, DeleteConflict, LimitExceeded), moto's IAM
tests recorded against AWS (message texts).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from _iam import error, iam_client, policy_document

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


# -- users -------------------------------------------------------------------------------
def test_create_get_list_update_delete_user(server):
    iam, account = iam_client(server)
    made = iam.create_user(UserName="Alice", Path="/team/", Tags=[{"Key": "k", "Value": "v"}])["User"]
    assert made["Arn"] == f"arn:aws:iam::{account}:user/team/Alice"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", made["UserId"])
    assert made["Path"] == "/team/" and made["Tags"] == [{"Key": "k", "Value": "v"}]
    got = iam.get_user(UserName="alice")["User"]  # names ignore case
    assert (got["UserName"], got["UserId"], got["Tags"]) == ("Alice", made["UserId"], [{"Key": "k", "Value": "v"}])
    iam.create_user(UserName="bob")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["Alice", "bob"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]] == ["Alice"]
    iam.update_user(UserName="Alice", NewUserName="Alicia", NewPath="/ops/")
    renamed = iam.get_user(UserName="Alicia")["User"]
    assert renamed["Arn"] == f"arn:aws:iam::{account}:user/ops/Alicia" and renamed["UserId"] == made["UserId"]
    iam.delete_user(UserName="Alicia")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="Alicia")
    assert error(exc) == ("NoSuchEntity", "The user with name Alicia cannot be found.", 404)


def test_duplicate_user_names_are_refused_whatever_their_case(server):
    iam, _ = iam_client(server)
    iam.create_user(UserName="Bob")
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="bob")
    assert error(exc) == ("EntityAlreadyExists", "User with name bob already exists.", 409)


def test_users_are_listed_in_pages(server):
    iam, _ = iam_client(server)
    for n in range(5):
        iam.create_user(UserName=f"u{n}")
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"] is True and [u["UserName"] for u in first["Users"]] == ["u0", "u1"]
    rest = iam.list_users(MaxItems=10, Marker=first["Marker"])
    assert rest["IsTruncated"] is False and [u["UserName"] for u in rest["Users"]] == ["u2", "u3", "u4"]
    paged = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})
             for u in page["Users"]]
    assert paged == [f"u{n}" for n in range(5)]


@pytest.mark.parametrize("name, path, constraint", [
    ("has space", None, "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
    ("caf\u00e9", None, "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),  # Java's \w is ASCII
    ("x" * 65, None, "Member must have length less than or equal to 64"),
    ("ok", "no-slash", "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"),
])
def test_bad_names_and_paths_are_validation_errors(server, name, path, constraint):
    iam, _ = iam_client(server)
    kwargs = {"UserName": name} | ({"Path": path} if path else {})
    with pytest.raises(ClientError) as exc:
        iam.create_user(**kwargs)
    code, message, status = error(exc)
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("1 validation error detected: Value ") and message.endswith(constraint)
    assert iam.list_users()["Users"] == []


def test_user_tags(server):
    iam, _ = iam_client(server)
    iam.create_user(UserName="u")
    iam.tag_user(UserName="u", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_user(UserName="u", TagKeys=["a"])
    assert iam.list_user_tags(UserName="u")["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_user(UserName="u", Tags=[{"Key": "aws:x", "Value": "1"}])
    assert error(exc)[0] == "InvalidInput"
    with pytest.raises(ClientError) as exc:
        iam.tag_user(UserName="u", Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(50)])
    assert error(exc)[0] == "LimitExceeded"


def test_user_permissions_boundary(server):
    iam, account = iam_client(server)
    iam.create_user(UserName="u")
    iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=ADMIN)
    assert iam.get_user(UserName="u")["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": ADMIN}
    iam.delete_user_permissions_boundary(UserName="u")
    assert "PermissionsBoundary" not in iam.get_user(UserName="u")["User"]
    missing = f"arn:aws:iam::{account}:policy/none"
    with pytest.raises(ClientError) as exc:
        iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=missing)
    assert error(exc) == ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)


def test_a_user_with_policies_or_keys_cannot_be_deleted(server):
    iam, _ = iam_client(server)
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=policy_document("sqs:*"))
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="u")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_user_policy(UserName="u", PolicyName="p")
    iam.attach_user_policy(UserName="u", PolicyArn=ADMIN)
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="u")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_user_policy(UserName="u", PolicyArn=ADMIN)
    key = iam.create_access_key(UserName="u")["AccessKey"]["AccessKeyId"]
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="u")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must delete access keys first.", 409)
    iam.delete_access_key(UserName="u", AccessKeyId=key)
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="u")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must remove users from group first.", 409)
    iam.remove_user_from_group(GroupName="g", UserName="u")
    iam.delete_user(UserName="u")


# -- groups ------------------------------------------------------------------------------
def test_groups_and_their_members(server):
    iam, account = iam_client(server)
    group = iam.create_group(GroupName="Devs", Path="/eng/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{account}:group/eng/Devs" and group["GroupId"].startswith("AGPA")
    assert len(group["GroupId"]) == 21
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="devs")
    assert error(exc) == ("EntityAlreadyExists", "Group with name devs already exists.", 409)
    iam.create_user(UserName="u")
    iam.add_user_to_group(GroupName="Devs", UserName="u")
    got = iam.get_group(GroupName="devs")
    assert got["Group"]["GroupName"] == "Devs" and [u["UserName"] for u in got["Users"]] == ["u"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u")["Groups"]] == ["Devs"]
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["Devs"]
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="Devs")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must remove users from group first.", 409)
    iam.remove_user_from_group(GroupName="Devs", UserName="u")
    assert iam.list_groups_for_user(UserName="u")["Groups"] == []
    iam.update_group(GroupName="Devs", NewGroupName="Ops")
    iam.delete_group(GroupName="Ops")
    with pytest.raises(ClientError) as exc:
        iam.get_group(GroupName="Ops")
    assert error(exc) == ("NoSuchEntity", "The group with name Ops cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="Ops", UserName="u")
    assert error(exc)[0] == "NoSuchEntity"


# -- access keys ---------------------------------------------------------------------------
def test_access_keys(server):
    iam, _ = iam_client(server)
    iam.create_user(UserName="u")
    first = iam.create_access_key(UserName="u")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", first["AccessKeyId"])
    assert len(first["SecretAccessKey"]) == 40 and first["Status"] == "Active" and first["UserName"] == "u"
    second = iam.create_access_key(UserName="u")["AccessKey"]
    with pytest.raises(ClientError) as exc:
        iam.create_access_key(UserName="u")
    assert error(exc) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
    listed = iam.list_access_keys(UserName="u")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([first["AccessKeyId"], second["AccessKeyId"]])
    assert all("SecretAccessKey" not in k for k in listed)
    iam.update_access_key(UserName="u", AccessKeyId=first["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName="u")["AccessKeyMetadata"]}
    assert statuses[first["AccessKeyId"]] == "Inactive"
    used = iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])
    assert used["UserName"] == "u" and used["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    iam.delete_access_key(UserName="u", AccessKeyId=first["AccessKeyId"])
    with pytest.raises(ClientError) as exc:
        iam.delete_access_key(UserName="u", AccessKeyId=first["AccessKeyId"])
    assert error(exc) == ("NoSuchEntity", f"The Access Key with id {first['AccessKeyId']} cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.update_access_key(UserName="u", AccessKeyId=second["AccessKeyId"], Status="Sleeping")
    assert error(exc)[0] == "ValidationError"


def test_get_user_without_a_name_is_the_caller(server):
    iam, account = iam_client(server)
    me = iam.get_user()["User"]  # the command-line (root) credentials of the account
    assert (me["UserId"], me["Arn"]) == (account, f"arn:aws:iam::{account}:root")
    with pytest.raises(ClientError) as exc:
        iam.create_access_key()
    assert error(exc) == ("ValidationError", "Must specify userName when calling with non-User credentials", 400)


def test_get_user_without_a_name_from_temporary_credentials(server):
    from _clients import client

    temporary = client("iam", server.url, account="ASIAEXAMPLE000000001")  # dev mode: any key signs
    with pytest.raises(ClientError) as exc:
        temporary.get_user()
    assert error(exc) == ("ValidationError", "Must specify userName when calling with non-User credentials", 400)
