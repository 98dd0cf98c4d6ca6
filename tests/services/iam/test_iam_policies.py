"""Managed policies with versions, inline policies, attachments, and AWS's own managed
policies over the wire.

Facts: the IAM API reference (5 versions per policy, the default version cannot be
deleted, policies attached cannot be deleted), moto's recorded MalformedPolicyDocument
reasons.
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from _iam import error, iam_client, policy_document, trust_policy

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
AWS_POLICIES = [
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaSQSQueueExecutionRole", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
    "AmazonEventBridgeFullAccess", "AWSStepFunctionsFullAccess", "AWSLambda_FullAccess",
    "SecretsManagerReadWrite", "CloudWatchLogsFullAccess",
]


def test_create_get_list_delete_policy(server):
    iam, account = iam_client(server)
    made = iam.create_policy(PolicyName="Send", Path="/app/", PolicyDocument=policy_document("sqs:SendMessage"),
                             Description="sends", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    arn = f"arn:aws:iam::{account}:policy/app/Send"
    assert made["Arn"] == arn and re.fullmatch(r"ANPA[A-Z0-9]{17}", made["PolicyId"])
    assert (made["DefaultVersionId"], made["AttachmentCount"], made["IsAttachable"]) == ("v1", 0, True)
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (got["PolicyName"], got["Description"], got["Tags"]) == ("Send", "sends", [{"Key": "k", "Value": "v"}])
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(policy_document("sqs:SendMessage")) and version["IsDefaultVersion"]
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["Arn"] for p in local] == [arn]
    assert iam.list_policies(Scope="Local", PathPrefix="/other/")["Policies"] == []
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName="send", PolicyDocument=policy_document("sqs:*"))
    assert error(exc) == ("EntityAlreadyExists", "A policy called send already exists. Duplicate names are not allowed.", 409)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        iam.get_policy(PolicyArn=arn)
    assert error(exc) == ("NoSuchEntity", f"Policy {arn} was not found.", 404)


@pytest.mark.parametrize("document, reason", [
    ("{", "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                          "Resource": "*"}]}),
     "Policy document should not specify a principal."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*"}]}),
     "Policy statement must contain resources."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
     "Policy statement must contain actions."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "send", "Resource": "*"}]}),
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]}),
     'Resource bucket must be in ARN format or "*".'),
    (json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
     "Policy document must be version 2012-10-17 or greater."),
    (json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "a", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "a", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}),
     "Statement IDs (SID) in a single policy must be unique."),
])
def test_malformed_identity_policies(server, document, reason):
    iam, _ = iam_client(server)
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName="p", PolicyDocument=document)
    assert error(exc) == ("MalformedPolicyDocument", reason, 400)
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=document)
    assert error(exc) == ("MalformedPolicyDocument", reason, 400)
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_policy_versions(server):
    iam, account = iam_client(server)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_document("sns:*"))["PolicyVersion"]
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", False)
    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_document("events:*"),
                                   SetAsDefault=True)["PolicyVersion"]
    assert (v3["VersionId"], v3["IsDefaultVersion"]) == ("v3", True)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    for n in (4, 5):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_document(f"s{n}:*"))
    with pytest.raises(ClientError) as exc:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_document("x:*"))
    assert error(exc) == ("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new "
                                           "version, you must delete an existing version.", 409)
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
        ("v5", False), ("v4", False), ("v3", True), ("v2", False), ("v1", False)]
    with pytest.raises(ClientError) as exc:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert error(exc) == ("DeleteConflict", "Cannot delete the default version of a policy.", 409)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    with pytest.raises(ClientError) as exc:
        iam.get_policy_version(PolicyArn=arn, VersionId="v3")
    assert error(exc) == ("NoSuchEntity", f"Policy {arn} version v3 does not exist.", 404)
    with pytest.raises(ClientError) as exc:
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v9")
    assert error(exc)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert error(exc)[0] == "DeleteConflict"
    for v in ("v2", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)


def test_policy_tags(server):
    iam, _ = iam_client(server)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policies(server, kind):
    iam, _ = iam_client(server)
    Kind = kind.capitalize()
    name_param = f"{Kind}Name"
    if kind == "role":
        iam.create_role(RoleName="x", AssumeRolePolicyDocument=trust_policy())
    else:
        getattr(iam, f"create_{kind}")(**{name_param: "x"})
    document = policy_document("sqs:SendMessage", resource="arn:aws:sqs:*:*:q")
    getattr(iam, f"put_{kind}_policy")(**{name_param: "x", "PolicyName": "send", "PolicyDocument": document})
    getattr(iam, f"put_{kind}_policy")(**{name_param: "x", "PolicyName": "all", "PolicyDocument": document})
    got = getattr(iam, f"get_{kind}_policy")(**{name_param: "x", "PolicyName": "send"})
    assert (got[name_param], got["PolicyName"], got["PolicyDocument"]) == ("x", "send", json.loads(document))
    assert getattr(iam, f"list_{kind}_policies")(**{name_param: "x"})["PolicyNames"] == ["all", "send"]
    getattr(iam, f"delete_{kind}_policy")(**{name_param: "x", "PolicyName": "send"})
    with pytest.raises(ClientError) as exc:
        getattr(iam, f"get_{kind}_policy")(**{name_param: "x", "PolicyName": "send"})
    assert error(exc) == ("NoSuchEntity", f"The {kind} policy with name send cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        getattr(iam, f"put_{kind}_policy")(**{name_param: "nobody", "PolicyName": "p", "PolicyDocument": document})
    assert error(exc) == ("NoSuchEntity", f"The {kind} with name nobody cannot be found.", 404)


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_attach_detach_and_list_attached(server, kind):
    iam, account = iam_client(server)
    Kind = kind.capitalize()
    name_param = f"{Kind}Name"
    if kind == "role":
        iam.create_role(RoleName="x", AssumeRolePolicyDocument=trust_policy())
    else:
        getattr(iam, f"create_{kind}")(**{name_param: "x"})
    own = iam.create_policy(PolicyName="own", Path="/app/", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    getattr(iam, f"attach_{kind}_policy")(**{name_param: "x", "PolicyArn": own})
    getattr(iam, f"attach_{kind}_policy")(**{name_param: "x", "PolicyArn": ADMIN})
    attached = getattr(iam, f"list_attached_{kind}_policies")(**{name_param: "x"})["AttachedPolicies"]
    assert sorted((p["PolicyName"], p["PolicyArn"]) for p in attached) == [
        ("AdministratorAccess", ADMIN), ("own", own)]
    only_app = getattr(iam, f"list_attached_{kind}_policies")(**{name_param: "x", "PathPrefix": "/app/"})
    assert [p["PolicyArn"] for p in only_app["AttachedPolicies"]] == [own]
    assert iam.get_policy(PolicyArn=own)["Policy"]["AttachmentCount"] == 1
    entities = iam.list_entities_for_policy(PolicyArn=own)
    assert [e[f"{Kind}Name"] for e in entities[f"Policy{Kind}s"]] == ["x"]
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=own)
    assert error(exc) == ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    missing = f"arn:aws:iam::{account}:policy/none"
    with pytest.raises(ClientError) as exc:
        getattr(iam, f"attach_{kind}_policy")(**{name_param: "x", "PolicyArn": missing})
    assert error(exc) == ("NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    getattr(iam, f"detach_{kind}_policy")(**{name_param: "x", "PolicyArn": own})
    with pytest.raises(ClientError) as exc:
        getattr(iam, f"detach_{kind}_policy")(**{name_param: "x", "PolicyArn": own})
    assert error(exc) == ("NoSuchEntity", f"Policy {own} was not found.", 404)
    assert iam.list_entities_for_policy(PolicyArn=own)[f"Policy{Kind}s"] == []


def test_at_most_ten_managed_policies_per_role(server):
    iam, _ = iam_client(server)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    for n in range(10):
        arn = iam.create_policy(PolicyName=f"p{n}", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        iam.attach_role_policy(RoleName="r", PolicyArn=ADMIN)
    assert error(exc) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409)


@pytest.mark.parametrize("name", AWS_POLICIES)
def test_aws_managed_policies_are_readable_and_attachable(server, name):
    iam, _ = iam_client(server)
    arn = f"arn:aws:iam::aws:policy/{name}"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["Arn"] == arn and policy["IsAttachable"] and policy["PolicyName"] == name.rsplit("/", 1)[-1]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert document["Version"] == "2012-10-17" and document["Statement"]
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in attached] == [arn]
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert error(exc)[0] == "UnmodifiableEntity"
    with pytest.raises(ClientError) as exc:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_document("sqs:*"))
    assert error(exc)[0] == "UnmodifiableEntity"


def test_list_policies_scopes(server):
    iam, _ = iam_client(server)
    own = iam.create_policy(PolicyName="mine", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    everything = [p["Arn"] for p in iam.get_paginator("list_policies").paginate().build_full_result()["Policies"]]
    assert own in everything and "arn:aws:iam::aws:policy/AdministratorAccess" in everything
    aws_only = [p["Arn"] for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]]
    assert own not in aws_only and all(a.startswith("arn:aws:iam::aws:policy/") for a in aws_only)
    service_role = iam.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
    assert service_role and all(p["Path"] == "/service-role/" for p in service_role)
    assert iam.list_policies(OnlyAttached=True)["Policies"] == []


def test_a_policy_used_as_a_boundary(server):
    iam, _ = iam_client(server)
    arn = iam.create_policy(PolicyName="b", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy(), PermissionsBoundary=arn)
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (0, 1)
    as_boundary = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [r["RoleName"] for r in as_boundary["PolicyRoles"]] == ["r"]
    as_permissions = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy")
    assert as_permissions["PolicyRoles"] == []
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert error(exc) == ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    iam.delete_role_permissions_boundary(RoleName="r")
    iam.delete_policy(PolicyArn=arn)
