"""TaskSubmitted through boto3 on both backends: a ``.waitForTaskToken`` or ``.sync`` task
whose call succeeded shows the service's own answer in history (between TaskStarted and
the callback's or the child's end), as AWS records it (LocalStack's test_callback
snapshots, recorded on AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from _clients import client
from test_sfn_executions import ended, history, machine, new_account, receive


@pytest.fixture
def account() -> str:
    return new_account()


@pytest.fixture
def sfn(server: Any, account: str) -> Any:
    return client("stepfunctions", server.url, account=account)


@pytest.fixture
def sqs(server: Any, account: str) -> Any:
    return client("sqs", server.url, account=account)


def _submitted(events: list[dict[str, Any]]) -> dict[str, Any]:
    types = [e["type"] for e in events]
    assert types.count("TaskSubmitted") == 1, types
    at = types.index("TaskSubmitted")
    assert types[at - 1] == "TaskStarted"
    event = events[at]
    assert event["previousEventId"] == events[at - 1]["id"]
    return dict(event["taskSubmittedEventDetails"])


# The fast path sends inside the transition's unit of work; an extra parameter
# (DelaySeconds) sends through a task job: both record the same event.
@pytest.mark.parametrize("extra", [{}, {"DelaySeconds": 0}], ids=["in-unit", "task-job"])
def test_wait_for_task_token_records_sqs_answer(sfn: Any, sqs: Any, extra: dict[str, Any]) -> None:
    url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    arn = machine(sfn, {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}, **extra},
                "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    message = receive(sqs, url)
    sfn.send_task_success(taskToken=json.loads(message["Body"])["token"], output='"done"')
    assert ended(sfn, execution)["status"] == "SUCCEEDED"
    events = history(sfn, execution)
    details = _submitted(events)
    assert details["resourceType"] == "sqs"
    assert details["resource"] == "sendMessage.waitForTaskToken"
    assert details["outputDetails"] == {"truncated": False}
    output = json.loads(details["output"])
    assert output["MessageId"] == message["MessageId"]
    assert output["MD5OfMessageBody"] == message["MD5OfBody"]
    types = [e["type"] for e in events]
    assert types[types.index("TaskSubmitted") + 1] == "TaskSucceeded"


def test_sync_start_execution_records_the_child_it_started(sfn: Any) -> None:
    child = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    parent = machine(sfn, {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Input": {"n": 1}}, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    out = ended(sfn, execution)
    assert out["status"] == "SUCCEEDED", out
    events = history(sfn, execution)
    details = _submitted(events)
    assert (details["resourceType"], details["resource"]) == ("states", "startExecution.sync:2")
    submitted = json.loads(details["output"])
    assert submitted["ExecutionArn"] == json.loads(out["output"])["ExecutionArn"]
    assert "StartDate" in submitted
    types = [e["type"] for e in events]
    assert types[types.index("TaskSubmitted") + 1] == "TaskSucceeded"


def test_a_failed_call_records_no_submission(sfn: Any, sqs: Any) -> None:
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    arn = machine(sfn, {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody.$": "$$.Task.Token"}, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert ended(sfn, execution)["status"] == "FAILED"
    assert "TaskSubmitted" not in [e["type"] for e in history(sfn, execution)]
