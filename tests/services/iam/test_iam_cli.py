"""IAM through the AWS CLI: every operation family, and AWS's errors as the CLI prints
them ("An error occurred (NoSuchEntity) when calling the GetUser operation: ...")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from _iam import policy_document, trust_policy

BIN = Path(sys.executable).parent
# each `aws` run starts a Python process (seconds on a busy machine): a hang guard only
pytestmark = pytest.mark.timeout(900)


class Cli:
    def __init__(self, server: Any) -> None:
        self.url = server.url
        self.account = str(uuid.uuid4().int)[:12].rjust(12, "1")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.account, "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
               "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": ""}
        return subprocess.run([str(BIN / "aws"), "--endpoint-url", self.url, "--output", "json", "iam", *args],
                              capture_output=True, text=True, env=env, timeout=120)

    def ok(self, *args: str) -> dict[str, Any]:
        done = self.run(*args)
        assert done.returncode == 0, f"aws iam {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def fails(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode != 0, f"aws iam {' '.join(args)} succeeded: {done.stdout}"
        assert "Traceback" not in done.stderr
        return done.stderr.strip()


def test_users_and_groups(server):
    cli = Cli(server)
    user = cli.ok("create-user", "--user-name", "alice", "--tags", "Key=team,Value=core")["User"]
    assert user["Arn"] == f"arn:aws:iam::{cli.account}:user/alice"
    assert cli.ok("get-user", "--user-name", "alice")["User"]["UserId"] == user["UserId"]
    assert "An error occurred (EntityAlreadyExists) when calling the CreateUser operation: User with name alice " \
           "already exists." in cli.fails("create-user", "--user-name", "alice")
    assert "(NoSuchEntity) when calling the GetUser operation: The user with name bob cannot be found." in \
        cli.fails("get-user", "--user-name", "bob")
    assert "(ValidationError)" in cli.fails("create-user", "--user-name", "bad name")
    assert [u["UserName"] for u in cli.ok("list-users")["Users"]] == ["alice"]
    cli.ok("update-user", "--user-name", "alice", "--new-path", "/team/")
    cli.ok("tag-user", "--user-name", "alice", "--tags", "Key=k,Value=v")
    cli.ok("untag-user", "--user-name", "alice", "--tag-keys", "team")
    assert cli.ok("list-user-tags", "--user-name", "alice")["Tags"] == [{"Key": "k", "Value": "v"}]
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    cli.ok("put-user-permissions-boundary", "--user-name", "alice", "--permissions-boundary", admin)
    assert cli.ok("get-user", "--user-name", "alice")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == admin
    cli.ok("delete-user-permissions-boundary", "--user-name", "alice")

    cli.ok("create-group", "--group-name", "devs")
    cli.ok("add-user-to-group", "--group-name", "devs", "--user-name", "alice")
    assert [g["GroupName"] for g in cli.ok("list-groups-for-user", "--user-name", "alice")["Groups"]] == ["devs"]
    assert [u["UserName"] for u in cli.ok("get-group", "--group-name", "devs")["Users"]] == ["alice"]
    assert [g["GroupName"] for g in cli.ok("list-groups")["Groups"]] == ["devs"]
    assert "(DeleteConflict)" in cli.fails("delete-group", "--group-name", "devs")
    cli.ok("remove-user-from-group", "--group-name", "devs", "--user-name", "alice")
    cli.ok("update-group", "--group-name", "devs", "--new-group-name", "ops")
    cli.ok("delete-group", "--group-name", "ops")


def test_access_keys(server):
    cli = Cli(server)
    cli.ok("create-user", "--user-name", "alice")
    key = cli.ok("create-access-key", "--user-name", "alice")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    cli.ok("create-access-key", "--user-name", "alice")
    assert "(LimitExceeded) when calling the CreateAccessKey operation: Cannot exceed quota for " \
           "AccessKeysPerUser: 2" in cli.fails("create-access-key", "--user-name", "alice")
    cli.ok("update-access-key", "--user-name", "alice", "--access-key-id", key["AccessKeyId"], "--status", "Inactive")
    listed = cli.ok("list-access-keys", "--user-name", "alice")["AccessKeyMetadata"]
    assert {k["AccessKeyId"]: k["Status"] for k in listed}[key["AccessKeyId"]] == "Inactive"
    assert cli.ok("get-access-key-last-used", "--access-key-id", key["AccessKeyId"])["UserName"] == "alice"
    assert "(DeleteConflict)" in cli.fails("delete-user", "--user-name", "alice")
    for k in listed:
        cli.ok("delete-access-key", "--user-name", "alice", "--access-key-id", k["AccessKeyId"])
    cli.ok("delete-user", "--user-name", "alice")


def test_roles(server):
    cli = Cli(server)
    role = cli.ok("create-role", "--role-name", "runner", "--assume-role-policy-document", trust_policy(),
                  "--description", "runs", "--max-session-duration", "7200")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    got = cli.ok("get-role", "--role-name", "runner")["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("runs", 7200)
    assert "(MalformedPolicyDocument) when calling the CreateRole operation: Has prohibited field Resource" in \
        cli.fails("create-role", "--role-name", "bad", "--assume-role-policy-document", json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                      "Action": "sts:AssumeRole", "Resource": "*"}]}))
    assert "(ValidationError) when calling the CreateRole operation: 1 validation error detected: Value 'bad name' " \
           "at 'roleName' failed to satisfy constraint" in cli.fails(
               "create-role", "--role-name", "bad name", "--assume-role-policy-document", trust_policy())
    cli.ok("update-role", "--role-name", "runner", "--max-session-duration", "3600")
    cli.ok("update-assume-role-policy", "--role-name", "runner", "--policy-document", trust_policy("ec2.amazonaws.com"))
    cli.ok("tag-role", "--role-name", "runner", "--tags", "Key=a,Value=1")
    assert cli.ok("list-role-tags", "--role-name", "runner")["Tags"] == [{"Key": "a", "Value": "1"}]
    cli.ok("untag-role", "--role-name", "runner", "--tag-keys", "a")
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    cli.ok("put-role-permissions-boundary", "--role-name", "runner", "--permissions-boundary", basic)
    cli.ok("delete-role-permissions-boundary", "--role-name", "runner")
    assert [r["RoleName"] for r in cli.ok("list-roles")["Roles"]] == ["runner"]
    cli.ok("delete-role", "--role-name", "runner")
    assert "(NoSuchEntity)" in cli.fails("get-role", "--role-name", "runner")


def test_instance_profiles_and_service_linked_roles(server):
    cli = Cli(server)
    cli.ok("create-role", "--role-name", "runner", "--assume-role-policy-document", trust_policy())
    cli.ok("create-instance-profile", "--instance-profile-name", "web")
    cli.ok("add-role-to-instance-profile", "--instance-profile-name", "web", "--role-name", "runner")
    assert [p["InstanceProfileName"] for p in cli.ok("list-instance-profiles-for-role", "--role-name", "runner")[
        "InstanceProfiles"]] == ["web"]
    assert cli.ok("get-instance-profile", "--instance-profile-name", "web")["InstanceProfile"]["Roles"][0][
        "RoleName"] == "runner"
    assert len(cli.ok("list-instance-profiles")["InstanceProfiles"]) == 1
    assert "(DeleteConflict)" in cli.fails("delete-role", "--role-name", "runner")
    cli.ok("remove-role-from-instance-profile", "--instance-profile-name", "web", "--role-name", "runner")
    cli.ok("delete-instance-profile", "--instance-profile-name", "web")
    cli.ok("delete-role", "--role-name", "runner")

    linked = cli.ok("create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com")["Role"]
    assert linked["RoleName"] == "AWSServiceRoleForECS" and linked["Path"] == "/aws-service-role/ecs.amazonaws.com/"
    task = cli.ok("delete-service-linked-role", "--role-name", "AWSServiceRoleForECS")["DeletionTaskId"]
    assert cli.ok("get-service-linked-role-deletion-status", "--deletion-task-id", task)["Status"] == "SUCCEEDED"


def test_managed_policies_and_versions(server):
    cli = Cli(server)
    arn = cli.ok("create-policy", "--policy-name", "send", "--policy-document",
                 policy_document("sqs:SendMessage"))["Policy"]["Arn"]
    assert "(MalformedPolicyDocument) when calling the CreatePolicy operation: Policy document should not " \
           "specify a principal." in cli.fails("create-policy", "--policy-name", "bad", "--policy-document", json.dumps(
               {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                         "Resource": "*"}]}))
    assert cli.ok("get-policy", "--policy-arn", arn)["Policy"]["DefaultVersionId"] == "v1"
    cli.ok("create-policy-version", "--policy-arn", arn, "--policy-document", policy_document("sqs:*"),
           "--set-as-default")
    doc = cli.ok("get-policy-version", "--policy-arn", arn, "--version-id", "v2")["PolicyVersion"]["Document"]
    assert doc["Statement"][0]["Action"] == ["sqs:*"]
    assert [v["VersionId"] for v in cli.ok("list-policy-versions", "--policy-arn", arn)["Versions"]] == ["v2", "v1"]
    cli.ok("set-default-policy-version", "--policy-arn", arn, "--version-id", "v1")
    cli.ok("delete-policy-version", "--policy-arn", arn, "--version-id", "v2")
    cli.ok("tag-policy", "--policy-arn", arn, "--tags", "Key=a,Value=1")
    assert cli.ok("list-policy-tags", "--policy-arn", arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    cli.ok("untag-policy", "--policy-arn", arn, "--tag-keys", "a")
    assert arn in [p["Arn"] for p in cli.ok("list-policies", "--scope", "Local")["Policies"]]
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert cli.ok("get-policy", "--policy-arn", admin)["Policy"]["PolicyName"] == "AdministratorAccess"
    cli.ok("delete-policy", "--policy-arn", arn)
    assert "(NoSuchEntity)" in cli.fails("get-policy", "--policy-arn", arn)


def test_inline_policies(server):
    cli = Cli(server)
    cli.ok("create-user", "--user-name", "u")
    cli.ok("create-group", "--group-name", "g")
    cli.ok("create-role", "--role-name", "r", "--assume-role-policy-document", trust_policy())
    for kind, name in (("user", "u"), ("group", "g"), ("role", "r")):
        cli.ok(f"put-{kind}-policy", f"--{kind}-name", name, "--policy-name", "inline", "--policy-document",
               policy_document("sns:Publish"))
        got = cli.ok(f"get-{kind}-policy", f"--{kind}-name", name, "--policy-name", "inline")
        assert got["PolicyDocument"]["Statement"][0]["Action"] == ["sns:Publish"]
        assert cli.ok(f"list-{kind}-policies", f"--{kind}-name", name)["PolicyNames"] == ["inline"]
        cli.ok(f"delete-{kind}-policy", f"--{kind}-name", name, "--policy-name", "inline")
        assert f"(NoSuchEntity) when calling the Get{kind.capitalize()}Policy operation: The {kind} policy with " \
               "name inline cannot be found." in cli.fails(f"get-{kind}-policy", f"--{kind}-name", name,
                                                           "--policy-name", "inline")


def test_attached_policies_and_the_simulator(server):
    cli = Cli(server)
    arn = cli.ok("create-policy", "--policy-name", "send", "--policy-document",
                 policy_document("sqs:SendMessage"))["Policy"]["Arn"]
    cli.ok("create-user", "--user-name", "u")
    cli.ok("create-group", "--group-name", "g")
    cli.ok("create-role", "--role-name", "r", "--assume-role-policy-document", trust_policy())
    for kind, name in (("user", "u"), ("group", "g"), ("role", "r")):
        cli.ok(f"attach-{kind}-policy", f"--{kind}-name", name, "--policy-arn", arn)
        attached = cli.ok(f"list-attached-{kind}-policies", f"--{kind}-name", name)["AttachedPolicies"]
        assert attached == [{"PolicyName": "send", "PolicyArn": arn}]
    entities = cli.ok("list-entities-for-policy", "--policy-arn", arn)
    assert (len(entities["PolicyUsers"]), len(entities["PolicyGroups"]), len(entities["PolicyRoles"])) == (1, 1, 1)
    assert "(DeleteConflict)" in cli.fails("delete-policy", "--policy-arn", arn)
    simulated = cli.ok("simulate-principal-policy", "--policy-source-arn", f"arn:aws:iam::{cli.account}:role/r",
                       "--action-names", "sqs:SendMessage", "sqs:DeleteQueue")["EvaluationResults"]
    assert [r["EvalDecision"] for r in simulated] == ["allowed", "implicitDeny"]
    custom = cli.ok("simulate-custom-policy", "--policy-input-list", policy_document("sqs:*", effect="Deny"),
                    "--action-names", "sqs:SendMessage")["EvaluationResults"]
    assert custom[0]["EvalDecision"] == "explicitDeny"
    for kind, name in (("user", "u"), ("group", "g"), ("role", "r")):
        cli.ok(f"detach-{kind}-policy", f"--{kind}-name", name, "--policy-arn", arn)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    cli.ok("attach-role-policy", "--role-name", "r", "--policy-arn", admin)
    assert [p["Arn"] for p in cli.ok("list-policies", "--only-attached")["Policies"]] == [admin]


def test_account_alias_and_summary(server):
    cli = Cli(server)
    alias = f"cli-{cli.account}"
    cli.ok("create-account-alias", "--account-alias", alias)
    assert cli.ok("list-account-aliases")["AccountAliases"] == [alias]
    cli.ok("delete-account-alias", "--account-alias", alias)
    assert "(NoSuchEntity)" in cli.fails("delete-account-alias", "--account-alias", alias)
    assert cli.ok("get-account-summary")["SummaryMap"]["Users"] == 0
