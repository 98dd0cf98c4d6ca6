"""IAM roles, trust policies, instance profiles and service-linked roles over the wire.

Facts: botocore's IAM model (MaxSessionDuration 3600-43200), the IAM API reference, and
AWS's recorded MalformedPolicyDocument reasons for trust policies ("Has prohibited field
Resource", "Invalid principal in policy").
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _iam import error, iam_client, policy_document, trust_policy

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def test_create_get_update_delete_role(server):
    iam, account = iam_client(server)
    made = iam.create_role(RoleName="Runner", Path="/app/", AssumeRolePolicyDocument=trust_policy(),
                           Description="runs things", MaxSessionDuration=7200,
                           Tags=[{"Key": "team", "Value": "core"}])["Role"]
    assert made["Arn"] == f"arn:aws:iam::{account}:role/app/Runner"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", made["RoleId"])
    assert made["AssumeRolePolicyDocument"] == json.loads(trust_policy())  # botocore decodes the URL-encoded text
    assert (made["Description"], made["MaxSessionDuration"], made["Tags"]) == (
        "runs things", 7200, [{"Key": "team", "Value": "core"}])
    got = iam.get_role(RoleName="runner")["Role"]
    assert (got["RoleName"], got["RoleId"], got["Path"]) == ("Runner", made["RoleId"], "/app/")
    assert got["RoleLastUsed"] == {} and got["Tags"] == [{"Key": "team", "Value": "core"}]
    iam.update_role(RoleName="Runner", Description="new", MaxSessionDuration=43200)
    got = iam.get_role(RoleName="Runner")["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("new", 43200)
    changed = trust_policy("states.amazonaws.com")
    iam.update_assume_role_policy(RoleName="Runner", PolicyDocument=changed)
    assert iam.get_role(RoleName="Runner")["Role"]["AssumeRolePolicyDocument"] == json.loads(changed)
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["Runner"]
    assert iam.list_roles(PathPrefix="/other/")["Roles"] == []
    iam.delete_role(RoleName="Runner")
    with pytest.raises(ClientError) as exc:
        iam.get_role(RoleName="Runner")
    assert error(exc) == ("NoSuchEntity", "The role with name Runner cannot be found.", 404)


def test_role_defaults_and_duplicates(server):
    iam, _ = iam_client(server)
    made = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())["Role"]
    assert (made["Path"], made["MaxSessionDuration"]) == ("/", 3600)
    assert "Description" not in made
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust_policy())
    assert error(exc) == ("EntityAlreadyExists", "Role with name R already exists.", 409)


@pytest.mark.parametrize("duration", [3599, 43201])
def test_max_session_duration_is_bounded(server, duration):
    iam, account = iam_client(server)
    raw = client("iam", server.url, account=account, raw=True)  # boto3 would refuse 3599 itself
    with pytest.raises(ClientError) as exc:
        raw.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy(), MaxSessionDuration=duration)
    code, message, status = error(exc)
    assert (code, status) == ("ValidationError", 400)
    assert f"Value '{duration}' at 'maxSessionDuration' failed to satisfy constraint" in message
    assert iam.list_roles()["Roles"] == []


@pytest.mark.parametrize("document, reason", [
    ("not json", "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                          "Action": "sts:AssumeRole", "Resource": "*"}]}),
     "Has prohibited field Resource"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "someone"},
                                                          "Action": "sts:AssumeRole"}]}),
     'Invalid principal in policy: "AWS":"someone"'),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
     "Missing required field Principal"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                          "Action": "sqs:SendMessage"}]}),
     "AssumeRole policy may only specify STS AssumeRole actions."),
])
def test_bad_trust_policies_are_malformed(server, document, reason):
    iam, _ = iam_client(server)
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=document)
    assert error(exc) == ("MalformedPolicyDocument", reason, 400)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    with pytest.raises(ClientError) as exc:
        iam.update_assume_role_policy(RoleName="r", PolicyDocument=document)
    assert error(exc) == ("MalformedPolicyDocument", reason, 400)


def test_role_tags_and_boundary(server):
    iam, account = iam_client(server)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    iam.tag_role(RoleName="r", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_role(RoleName="r", TagKeys=["b"])
    assert iam.list_role_tags(RoleName="r")["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=BASIC)
    assert iam.get_role(RoleName="r")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == BASIC
    iam.delete_role_permissions_boundary(RoleName="r")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="r")["Role"]
    made = iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=trust_policy(),
                           PermissionsBoundary=BASIC)["Role"]
    assert made["PermissionsBoundary"]["PermissionsBoundaryArn"] == BASIC
    missing = f"arn:aws:iam::{account}:policy/none"
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="x", AssumeRolePolicyDocument=trust_policy(), PermissionsBoundary=missing)
    assert error(exc) == ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)


def test_a_role_with_policies_or_profiles_cannot_be_deleted(server):
    iam, _ = iam_client(server)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    iam.attach_role_policy(RoleName="r", PolicyArn=BASIC)
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="r")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_role_policy(RoleName="r", PolicyArn=BASIC)
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=policy_document("sqs:*"))
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="r")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_role_policy(RoleName="r", PolicyName="p")
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="r")
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="r")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName="ip", RoleName="r")
    iam.delete_role(RoleName="r")


def test_instance_profiles(server):
    iam, account = iam_client(server)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy("ec2.amazonaws.com"))
    iam.create_role(RoleName="r2", AssumeRolePolicyDocument=trust_policy("ec2.amazonaws.com"))
    made = iam.create_instance_profile(InstanceProfileName="Web", Path="/w/")["InstanceProfile"]
    assert made["Arn"] == f"arn:aws:iam::{account}:instance-profile/w/Web" and made["Roles"] == []
    assert re.fullmatch(r"AIPA[A-Z0-9]{17}", made["InstanceProfileId"])
    with pytest.raises(ClientError) as exc:
        iam.create_instance_profile(InstanceProfileName="web")
    assert error(exc) == ("EntityAlreadyExists", "Instance Profile web already exists.", 409)
    iam.add_role_to_instance_profile(InstanceProfileName="Web", RoleName="r")
    with pytest.raises(ClientError) as exc:
        iam.add_role_to_instance_profile(InstanceProfileName="Web", RoleName="r2")
    assert error(exc) == ("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)
    got = iam.get_instance_profile(InstanceProfileName="Web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["r"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName="r")["InstanceProfiles"]] == ["Web"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]] == ["Web"]
    with pytest.raises(ClientError) as exc:
        iam.delete_instance_profile(InstanceProfileName="Web")
    assert error(exc) == ("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName="Web", RoleName="r")
    iam.delete_instance_profile(InstanceProfileName="Web")
    with pytest.raises(ClientError) as exc:
        iam.get_instance_profile(InstanceProfileName="Web")
    assert error(exc) == ("NoSuchEntity", "Instance Profile Web cannot be found.", 404)


def test_service_linked_roles(server):
    iam, account = iam_client(server)
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                          Description="scaling")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["Arn"] == (f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/"
                           "AWSServiceRoleForAutoScaling")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["autoscaling.amazonaws.com"]}
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    assert error(exc)[0] == "InvalidInput"
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="AWSServiceRoleForAutoScaling")
    assert error(exc)[0] == "UnmodifiableEntity"
    custom = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="x")["Role"]
    assert custom["RoleName"] == "AWSServiceRoleForAutoScaling_x"
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    assert task.startswith("task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as exc:
        iam.get_role(RoleName="AWSServiceRoleForAutoScaling")
    assert error(exc)[0] == "NoSuchEntity"
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=trust_policy())
    with pytest.raises(ClientError) as exc:
        iam.delete_service_linked_role(RoleName="plain")
    assert error(exc)[0] == "InvalidInput"


def test_update_role_description_answers_the_role(server):
    iam, _ = iam_client(server)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy(), Description="old")
    role = iam.update_role_description(RoleName="r", Description="new")["Role"]
    assert (role["RoleName"], role["Description"]) == ("r", "new")
    with pytest.raises(ClientError) as exc:
        iam.update_role_description(RoleName="nobody", Description="x")
    assert error(exc) == ("NoSuchEntity", "The role with name nobody cannot be found.", 404)


def test_instance_profile_tags(server):
    iam, _ = iam_client(server)
    made = iam.create_instance_profile(InstanceProfileName="p", Tags=[{"Key": "a", "Value": "1"}])["InstanceProfile"]
    assert made["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.tag_instance_profile(InstanceProfileName="p", Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_instance_profile(InstanceProfileName="p", TagKeys=["a"])
    assert iam.list_instance_profile_tags(InstanceProfileName="p")["Tags"] == [{"Key": "b", "Value": "2"}]
    assert iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]["Tags"] == [{"Key": "b", "Value": "2"}]


def test_a_trust_policy_names_only_users_and_roles_that_exist(server):
    iam, account = iam_client(server)
    user_arn = iam.create_user(UserName="dev", Path="/people/")["User"]["Arn"]

    def trusting(arn: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}]})

    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trusting(user_arn))
    iam.create_role(RoleName="root", AssumeRolePolicyDocument=trusting(f"arn:aws:iam::{account}:root"))
    for missing in (f"arn:aws:iam::{account}:user/ghost", f"arn:aws:iam::{account}:user/dev"):  # wrong path too
        with pytest.raises(ClientError) as exc:
            iam.create_role(RoleName="r2", AssumeRolePolicyDocument=trusting(missing))
        assert error(exc) == ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{missing}"', 400)
        with pytest.raises(ClientError) as exc:
            iam.update_assume_role_policy(RoleName="r", PolicyDocument=trusting(missing))
        assert error(exc)[0] == "MalformedPolicyDocument"
