"""The account alias and summary, the policy simulator, IAM's global endpoint and its
isolation between accounts.

Facts: the IAM API reference (SimulatePrincipalPolicy / SimulateCustomPolicy answer
shape: EvalDecision allowed | explicitDeny | implicitDeny, MatchedStatements,
MissingContextValues), AWS's policy evaluation logic (an explicit Deny wins; a
permissions boundary must allow too).
"""

from __future__ import annotations

import json

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client
from _iam import error, iam_client, policy_document, trust_policy


def test_account_alias(server):
    iam, _ = iam_client(server)
    other, _ = iam_client(server)
    assert iam.list_account_aliases()["AccountAliases"] == []
    alias = f"acme-{id(iam) % 100000}"
    iam.create_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == [alias]
    with pytest.raises(ClientError) as exc:
        other.create_account_alias(AccountAlias=alias)
    assert error(exc) == ("EntityAlreadyExists", f"The account alias {alias} already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.delete_account_alias(AccountAlias="not-mine")
    assert error(exc) == ("NoSuchEntity", "The account alias not-mine cannot be found.", 404)
    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []
    with pytest.raises(ClientError) as exc:
        iam.create_account_alias(AccountAlias="Bad_Alias")
    assert error(exc)[0] == "ValidationError"


def test_account_summary(server):
    iam, _ = iam_client(server)
    iam.create_user(UserName="u")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["Users"], summary["Roles"], summary["Groups"], summary["AccessKeysPerUserQuota"]) == (1, 1, 0, 2)


def test_another_accounts_entities_are_not_found(server):
    a, _ = iam_client(server)
    b, _ = iam_client(server)
    a.create_user(UserName="shared-name")
    a.create_role(RoleName="shared-name", AssumeRolePolicyDocument=trust_policy())
    arn = a.create_policy(PolicyName="p", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    with pytest.raises(ClientError) as exc:
        b.get_user(UserName="shared-name")
    assert error(exc) == ("NoSuchEntity", "The user with name shared-name cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        b.get_role(RoleName="shared-name")
    assert error(exc)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        b.get_policy(PolicyArn=arn)
    assert error(exc)[0] == "NoSuchEntity"
    b.create_role(RoleName="mine", AssumeRolePolicyDocument=trust_policy())
    with pytest.raises(ClientError) as exc:
        b.attach_role_policy(RoleName="mine", PolicyArn=arn)
    assert error(exc) == ("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)
    b.create_user(UserName="shared-name")  # the name is free in another account
    assert b.list_users()["Users"][0]["Arn"] != a.list_users()["Users"][0]["Arn"]


def test_iam_is_global_any_region_signs_in(server):
    iam, account = iam_client(server)
    iam.create_user(UserName="u")
    elsewhere = client("iam", server.url, account=account, region="eu-west-1")
    user = elsewhere.get_user(UserName="u")["User"]
    assert user["Arn"] == f"arn:aws:iam::{account}:user/u"  # no region in IAM ARNs


# -- the simulator ---------------------------------------------------------------------
def _decisions(results: list[dict]) -> dict[tuple[str, str], str]:
    return {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}


def test_simulate_custom_policy(server):
    iam, _ = iam_client(server)
    queue = "arn:aws:sqs:us-east-1:111111111111:orders"
    allow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Send", "Effect": "Allow", "Action": "sqs:Send*", "Resource": "arn:aws:sqs:*:*:orders"},
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]})
    deny = policy_document("sqs:SendMessageBatch", effect="Deny")
    results = iam.simulate_custom_policy(
        PolicyInputList=[allow, deny], ActionNames=["sqs:SendMessage", "sqs:SendMessageBatch", "sqs:DeleteQueue"],
        ResourceArns=[queue])["EvaluationResults"]
    assert _decisions(results) == {("sqs:SendMessage", queue): "allowed",
                                   ("sqs:SendMessageBatch", queue): "explicitDeny",
                                   ("sqs:DeleteQueue", queue): "implicitDeny"}
    by_action = {r["EvalActionName"]: r for r in results}
    assert by_action["sqs:SendMessage"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert by_action["sqs:SendMessageBatch"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.2"
    assert by_action["sqs:DeleteQueue"]["MatchedStatements"] == []
    published = iam.simulate_custom_policy(PolicyInputList=[allow], ActionNames=["sns:Publish"])["EvaluationResults"][0]
    assert (published["EvalResourceName"], published["EvalDecision"]) == ("*", "implicitDeny")
    assert published["MissingContextValues"] == ["aws:RequestedRegion"]
    in_region = iam.simulate_custom_policy(PolicyInputList=[allow], ActionNames=["sns:Publish"], ContextEntries=[
        {"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}])
    assert in_region["EvaluationResults"][0]["EvalDecision"] == "allowed"
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["sqs:SendMessage"])
    assert error(exc) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)


def test_simulate_principal_policy_reads_what_is_in_force(server):
    iam, account = iam_client(server)
    user_arn = iam.create_user(UserName="u")["User"]["Arn"]
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="u")
    iam.put_group_policy(GroupName="g", PolicyName="team", PolicyDocument=policy_document("events:PutEvents"))
    iam.attach_user_policy(UserName="u", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    results = iam.simulate_principal_policy(
        PolicySourceArn=user_arn, ActionNames=["sqs:SendMessage", "events:PutEvents", "sns:Publish"])["EvaluationResults"]
    assert _decisions(results) == {("sqs:SendMessage", "*"): "allowed", ("events:PutEvents", "*"): "allowed",
                                   ("sns:Publish", "*"): "implicitDeny"}
    sources = {r["EvalActionName"]: r["MatchedStatements"] for r in results}
    assert sources["sqs:SendMessage"] == [{"SourcePolicyId": "AmazonSQSFullAccess", "SourcePolicyType": "aws-managed"}]
    assert sources["events:PutEvents"] == [{"SourcePolicyId": "team", "SourcePolicyType": "group"}]
    # a permissions boundary must allow too
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=policy_document("events:*"))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=boundary)
    bounded = iam.simulate_principal_policy(PolicySourceArn=user_arn,
                                            ActionNames=["sqs:SendMessage", "events:PutEvents"])["EvaluationResults"]
    assert _decisions(bounded) == {("sqs:SendMessage", "*"): "implicitDeny", ("events:PutEvents", "*"): "allowed"}
    role_arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust_policy())["Role"]["Arn"]
    iam.put_role_policy(RoleName="r", PolicyName="deny", PolicyDocument=policy_document("sqs:*", effect="Deny"))
    iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    denied = iam.simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=["sqs:SendMessage", "sns:Publish"])
    assert _decisions(denied["EvaluationResults"]) == {("sqs:SendMessage", "*"): "explicitDeny",
                                                       ("sns:Publish", "*"): "allowed"}
    with pytest.raises(ClientError) as exc:
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{account}:user/nobody", ActionNames=["s3:*"])
    assert error(exc) == ("NoSuchEntity", "The user with name nobody cannot be found.", 404)


def test_errors_are_iam_error_responses(server):
    """As AWS writes them: IAM's namespace, no <Detail/> (an unsigned request, Version names IAM)."""
    r = httpx.post(server.url + "/", data={"Action": "GetUser", "Version": "2010-05-08", "UserName": "nobody"},
                   timeout=30)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/xml")
    assert r.text.startswith('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender'
                             '</Type><Code>NoSuchEntity</Code><Message>The user with name nobody cannot be found.'
                             '</Message></Error><RequestId>')


def test_simulate_with_a_resource_policy(server):
    iam, account = iam_client(server)
    queue = f"arn:aws:sqs:us-east-1:{account}:q"
    caller = f"arn:aws:iam::{account}:user/someone"
    resource_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": caller}, "Action": "sqs:SendMessage", "Resource": queue},
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteQueue", "Resource": queue}]})
    results = iam.simulate_custom_policy(
        PolicyInputList=[policy_document("sqs:*")], ResourcePolicy=resource_policy, CallerArn=caller,
        ActionNames=["sqs:SendMessage", "sqs:DeleteQueue", "sqs:PurgeQueue"], ResourceArns=[queue])
    assert _decisions(results["EvaluationResults"]) == {
        ("sqs:SendMessage", queue): "allowed", ("sqs:DeleteQueue", queue): "explicitDeny",
        ("sqs:PurgeQueue", queue): "allowed"}
    alone = iam.simulate_custom_policy(
        PolicyInputList=[policy_document("sns:Publish")], ResourcePolicy=resource_policy, CallerArn=caller,
        ActionNames=["sqs:SendMessage"], ResourceArns=[queue])["EvaluationResults"][0]
    assert alone["EvalDecision"] == "allowed"  # the resource policy alone allows, within the account
    assert alone["MatchedStatements"] == [{"SourcePolicyId": "ResourcePolicy", "SourcePolicyType": "resource"}]
