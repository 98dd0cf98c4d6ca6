"""Task calls under ``--auth iam`` (both backends): a task calls as its execution's role,
checked by the same enforcer as API callers. A role allowed ``sqs:SendMessage`` sends; one
without fails the task with the error AWS gives an unmodeled SQS denial
(``SQS.AmazonSQSException``; ``Sqs.SqsException`` through the aws-sdk integration), which
Catch catches, and nothing is sent."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from _clients import NO_RETRY

ACCOUNT = "111122223333"
ROOT = ("AKIASFNTASKROOTAAAAA", "sfn-task-root-secret")
REGION = "us-east-1"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{ACCOUNT}"])


def root(service: str, url: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=ROOT[0],
                                          aws_secret_access_key=ROOT[1], config=NO_RETRY)


@pytest.fixture(scope="module")
def world(iam_server: Any) -> dict[str, Any]:
    iam, sqs = root("iam", iam_server.url), root("sqs", iam_server.url)
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    roles = {}
    for name, actions in (("may-send", ["sqs:SendMessage"]), ("may-not-send", ["sqs:ReceiveMessage"])):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="queue", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": queue_arn}]}))
    return {"url": url, "queue_arn": queue_arn, "roles": roles, "sfn": root("stepfunctions", iam_server.url),
            "sqs": sqs}


def run(world: dict[str, Any], role: str, state: dict[str, Any]) -> dict[str, Any]:
    sfn = world["sfn"]
    definition = {"StartAt": "Send", "States": {
        "Send": {**state, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.denied", "Next": "Denied"}],
                 "End": True},
        "Denied": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(name=f"send-{role}-{time.monotonic_ns()}", definition=json.dumps(definition),
                                   roleArn=world["roles"][role])["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.05)


def drained(world: dict[str, Any]) -> list[str]:
    bodies = []
    while True:
        got = world["sqs"].receive_message(QueueUrl=world["url"], MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            world["sqs"].delete_message(QueueUrl=world["url"], ReceiptHandle=message["ReceiptHandle"])


# in the transition's unit of work; through a task job (DelaySeconds keeps it off the fast path)
@pytest.mark.parametrize("extra", [{}, {"DelaySeconds": 0}], ids=["in-unit", "task-job"])
def test_send_message_as_the_execution_role(world: dict[str, Any], extra: dict[str, Any]) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
             "Parameters": {"QueueUrl": world["url"], "MessageBody": "hello", **extra}}
    allowed = run(world, "may-send", state)
    assert allowed["status"] == "SUCCEEDED", allowed
    assert "MessageId" in json.loads(allowed["output"])
    assert drained(world) == ["hello"]

    refused = run(world, "may-not-send", state)
    assert refused["status"] == "SUCCEEDED", refused  # caught
    denial = json.loads(refused["output"])["denied"]
    assert denial["Error"] == "SQS.AmazonSQSException"
    cause = denial["Cause"]
    assert cause.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/may-not-send/"), cause
    assert f"is not authorized to perform: sqs:sendmessage on resource: {world['queue_arn']}" in cause
    assert "(Service: AmazonSQS; Status Code: 403; Error Code: AccessDenied; Request ID: " in cause
    assert drained(world) == []


def test_aws_sdk_integration_is_denied_with_the_sdk_name(world: dict[str, Any]) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:sendMessage",
             "Parameters": {"QueueUrl": world["url"], "MessageBody": "sdk"}}
    assert run(world, "may-send", state)["status"] == "SUCCEEDED"
    assert drained(world) == ["sdk"]
    denial = json.loads(run(world, "may-not-send", state)["output"])["denied"]
    assert denial["Error"] == "Sqs.SqsException"
    assert "is not authorized to perform: sqs:sendmessage" in denial["Cause"]
    assert "(Service: Sqs, Status Code: 403, Request ID: " in denial["Cause"]
    assert drained(world) == []


def test_wait_for_task_token_is_denied_before_any_callback(world: dict[str, Any]) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"QueueUrl": world["url"], "MessageBody.$": "$$.Task.Token"}}
    refused = run(world, "may-not-send", state)
    assert json.loads(refused["output"])["denied"]["Error"] == "SQS.AmazonSQSException"
    events = [e["type"] for e in world["sfn"].get_execution_history(executionArn=refused["executionArn"])["events"]]
    assert "TaskSubmitted" not in events and "TaskFailed" in events
    assert drained(world) == []
