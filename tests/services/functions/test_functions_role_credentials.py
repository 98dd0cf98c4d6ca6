"""A function's AWS calls run as its execution role (``--auth iam``, both backends): the
worker gets a session of the role from eventyard's STS, so the role's policies decide."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from _clients import NO_RETRY
from services.functions._functions import zipped

A = "111111111111"
ROOT = ("AKIAROOTLAMBDAROLEAA", "root-secret")
SENDER = zipped({"app.py": """
import boto3
def handler(event, context):
    who = boto3.client("sts").get_caller_identity()["Arn"]
    try:
        boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody="from " + context.function_name)
    except Exception as exc:
        return {"who": who, "error": getattr(exc, "response", {}).get("Error", {}).get("Code", repr(exc))}
    return {"who": who, "sent": True}
"""})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _client(service: str, url: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name="us-east-1",
                                          aws_access_key_id=ROOT[0], aws_secret_access_key=ROOT[1], config=NO_RETRY)


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{A}"])


def test_the_execution_roles_policies_decide_what_a_function_may_call(iam_server: Any) -> None:
    sqs, iam, lam = (_client(s, iam_server.url) for s in ("sqs", "iam", "lambda"))
    queue = sqs.create_queue(QueueName="from-functions")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    roles = {}
    for name in ("may-send", "may-not-send"):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="may-send", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}))
    answers = {}
    for name, role in roles.items():
        lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role,
                            Code={"ZipFile": SENDER}, Timeout=30)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        out = lam.invoke(FunctionName=name, Payload=json.dumps({"queue": queue}).encode())
        answers[name] = json.loads(out["Payload"].read())
    assert answers["may-send"] == {"who": f"arn:aws:sts::{A}:assumed-role/may-send/may-send", "sent": True}
    assert answers["may-not-send"] == {"who": f"arn:aws:sts::{A}:assumed-role/may-not-send/may-not-send",
                                       "error": "AccessDenied"}
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in got] == ["from may-send"]
