"""Secrets Manager through the AWS CLI against a real server, on both backends: the
commands a user types, their JSON output, and their errors (exit code 254 with AWS's
code and message on stderr)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest


def _aws(server: Any, account: str, *args: str, ok: bool = True) -> Any:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_PAGER": ""}
    done = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", server.url, "--output", "json",
                           "secretsmanager", *args], env=env, capture_output=True, text=True, timeout=60)
    if not ok:
        assert done.returncode != 0, done.stdout
        return done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def test_the_life_of_a_secret(server: Any, account: str) -> None:
    created = _aws(server, account, "create-secret", "--name", "cli/db", "--secret-string", '{"user":"u","pw":"p"}',
                   "--description", "from the cli", "--tags", "Key=team,Value=core")
    assert created["Name"] == "cli/db" and created["ARN"].startswith(f"arn:aws:secretsmanager:us-east-1:{account}:")
    got = _aws(server, account, "get-secret-value", "--secret-id", "cli/db")
    assert json.loads(got["SecretString"]) == {"user": "u", "pw": "p"} and got["VersionStages"] == ["AWSCURRENT"]
    put = _aws(server, account, "put-secret-value", "--secret-id", created["ARN"], "--secret-string", "two")
    assert put["VersionStages"] == ["AWSCURRENT"]
    _aws(server, account, "update-secret", "--secret-id", "cli/db", "--description", "changed")
    described = _aws(server, account, "describe-secret", "--secret-id", "cli/db")
    assert described["Description"] == "changed" and described["Tags"] == [{"Key": "team", "Value": "core"}]
    assert sorted(described["VersionIdsToStages"].values()) == [["AWSCURRENT"], ["AWSPREVIOUS"]]
    versions = _aws(server, account, "list-secret-version-ids", "--secret-id", "cli/db")["Versions"]
    assert len(versions) == 2
    _aws(server, account, "update-secret-version-stage", "--secret-id", "cli/db", "--version-stage", "AWSCURRENT",
         "--remove-from-version-id", put["VersionId"], "--move-to-version-id", created["VersionId"])
    assert _aws(server, account, "get-secret-value", "--secret-id", "cli/db")["VersionId"] == created["VersionId"]
    listed = _aws(server, account, "list-secrets", "--filters", "Key=name,Values=cli/")["SecretList"]
    assert [s["Name"] for s in listed] == ["cli/db"]
    _aws(server, account, "tag-resource", "--secret-id", "cli/db", "--tags", "Key=env,Value=dev")
    _aws(server, account, "untag-resource", "--secret-id", "cli/db", "--tag-keys", "team")
    assert _aws(server, account, "describe-secret", "--secret-id", "cli/db")["Tags"] == [{"Key": "env", "Value": "dev"}]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::222222222222:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    assert _aws(server, account, "validate-resource-policy", "--resource-policy", policy)["PolicyValidationPassed"]
    _aws(server, account, "put-resource-policy", "--secret-id", "cli/db", "--resource-policy", policy)
    assert json.loads(_aws(server, account, "get-resource-policy", "--secret-id", "cli/db")["ResourcePolicy"]) == \
        json.loads(policy)
    _aws(server, account, "delete-resource-policy", "--secret-id", "cli/db")
    batch = _aws(server, account, "batch-get-secret-value", "--secret-id-list", "cli/db")
    assert [v["Name"] for v in batch["SecretValues"]] == ["cli/db"]

    deleted = _aws(server, account, "delete-secret", "--secret-id", "cli/db", "--recovery-window-in-days", "7")
    assert deleted["Name"] == "cli/db" and "DeletionDate" in deleted
    err = _aws(server, account, "get-secret-value", "--secret-id", "cli/db", ok=False)
    assert "(InvalidRequestException)" in err and "marked for deletion" in err
    _aws(server, account, "restore-secret", "--secret-id", "cli/db")
    assert _aws(server, account, "get-secret-value", "--secret-id", "cli/db")["Name"] == "cli/db"
    _aws(server, account, "delete-secret", "--secret-id", "cli/db", "--force-delete-without-recovery")
    err = _aws(server, account, "describe-secret", "--secret-id", "cli/db", ok=False)
    assert "(ResourceNotFoundException)" in err and "Secrets Manager can't find the specified secret." in err


def test_errors_and_passwords(server: Any, account: str) -> None:
    _aws(server, account, "create-secret", "--name", "dup", "--secret-string", "x")
    err = _aws(server, account, "create-secret", "--name", "dup", "--secret-string", "x", ok=False)
    assert "(ResourceExistsException)" in err and "The operation failed because the secret dup already exists." in err
    err = _aws(server, account, "delete-secret", "--secret-id", "dup", "--recovery-window-in-days", "31", ok=False)
    assert "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)." in err
    password = _aws(server, account, "get-random-password", "--password-length", "20", "--exclude-punctuation")
    assert len(password["RandomPassword"]) == 20 and password["RandomPassword"].isalnum()
    err = _aws(server, account, "rotate-secret", "--secret-id", "dup", ok=False)
    assert "(InvalidRequestException)" in err
    err = _aws(server, account, "cancel-rotate-secret", "--secret-id", "dup", ok=False)
    assert "(InvalidRequestException)" in err


def test_a_bad_secrets_key_stops_the_server_cleanly() -> None:
    eventyard = os.path.join(os.path.dirname(sys.executable), "eventyard")
    done = subprocess.run([eventyard, "serve", "--secrets-key", "c2hvcnQ=", "--port", "1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "the secrets key must be 32 bytes in base64" in done.stderr and "Traceback" not in done.stderr
