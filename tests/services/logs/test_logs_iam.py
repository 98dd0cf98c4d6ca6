"""CloudWatch Logs under ``--auth iam``, on both backends: a role with the policy AWS's
AWSLambdaBasicExecutionRole holds writes its function's logs and nothing else."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from _clients import NO_RETRY

A = "111111111111"
ROOT = ("AKIAROOTLOGSAAAAAAAA", "root-secret-logs")


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{A}"])


def _client(service: str, url: str, akid: str, secret: str, token: str | None = None) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=akid,
                                          aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY)


def test_a_function_role_writes_its_own_logs_only(iam_server: Any) -> None:
    url = iam_server.url
    iam = _client("iam", url, *ROOT)
    iam.create_user(UserName="runner")
    iam.put_user_policy(UserName="runner", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="runner")["AccessKey"]
    iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{A}:user/runner"}}]}))
    iam.put_role_policy(RoleName="fn", PolicyName="basic", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": f"arn:aws:logs:us-east-1:{A}:*"},
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/fn:*"}]}))
    creds = _client("sts", url, key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{A}:role/fn", RoleSessionName="s1")["Credentials"]
    logs = _client("logs", url, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    logs.create_log_group(logGroupName="/aws/lambda/fn")
    logs.create_log_stream(logGroupName="/aws/lambda/fn", logStreamName="s")
    logs.put_log_events(logGroupName="/aws/lambda/fn", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    _client("logs", url, *ROOT).create_log_group(logGroupName="/aws/lambda/other")
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="/aws/lambda/other", logStreamName="s")
    error = exc.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"].startswith(f"User: arn:aws:sts::{A}:assumed-role/fn/s1 is not authorized to perform:"
                                       f" logs:CreateLogStream on resource: arn:aws:logs:us-east-1:{A}:log-group:"
                                       f"/aws/lambda/other:log-stream:s")
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="/aws/lambda/fn")  # reading is not in the policy
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    events = _client("logs", url, *ROOT).filter_log_events(logGroupName="/aws/lambda/fn")["events"]
    assert [e["message"] for e in events] == ["hello"]
