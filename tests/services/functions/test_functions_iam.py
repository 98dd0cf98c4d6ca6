"""Lambda under ``--auth iam``, on both backends: a user's policy decides per function
and action (``lambda:InvokeFunction`` on a function ARN), denials are Lambda's 403
``AccessDeniedException``."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from _clients import NO_RETRY
from services.functions._functions import ECHO

A = "111111111111"
ROOT = ("AKIAROOTLAMBDAAAAAAA", "root-secret")


def _client(service: str, url: str, akid: str, secret: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=akid,
                                          aws_secret_access_key=secret, config=NO_RETRY)


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{A}"])


def test_a_users_policy_decides_per_function_and_action(iam_server: Any) -> None:
    lam = _client("lambda", iam_server.url, *ROOT)
    arns = {}
    for name in ("open", "closed"):
        arns[name] = lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                                         Role=f"arn:aws:iam::{A}:role/r", Code={"ZipFile": ECHO})["FunctionArn"]
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    iam = _client("iam", iam_server.url, *ROOT)
    iam.create_user(UserName="caller")
    iam.put_user_policy(UserName="caller", PolicyName="invoke-open", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arns["open"]}]}))
    key = iam.create_access_key(UserName="caller")["AccessKey"]
    user = _client("lambda", iam_server.url, key["AccessKeyId"], key["SecretAccessKey"])
    assert json.loads(user.invoke(FunctionName="open", Payload=b'{"a": 1}')["Payload"].read()) == {"got": {"a": 1}}
    for call in (lambda: user.invoke(FunctionName="closed", Payload=b"{}"),
                 lambda: user.get_function(FunctionName="open")):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
        assert "is not authorized to perform: lambda:" in exc.value.response["Error"]["Message"]
