"""Where asynchronous invocations' outcomes go, through boto3 on both backends: the
``OnSuccess`` and ``OnFailure`` destinations get Lambda's invocation record, the
function's dead-letter queue gets the event with Lambda's attributes."""

from __future__ import annotations

import json
from typing import Any

from _clients import client
from _waiting import wait_until
from services.functions._functions import create, lam, new_account, zipped

HANDLER = zipped({"app.py": (
    "def handler(event, context):\n"
    "    if event.get('fail'):\n"
    "        raise ValueError('asked to fail')\n"
    "    return {'echo': event}\n")})


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _one(sqs: Any, url: str, what: str) -> dict[str, Any]:
    messages = wait_until(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1,
                                                      MessageAttributeNames=["All"]).get("Messages"), what=what)
    return dict(messages[0])


def test_destinations_and_the_dead_letter_queue(server: Any) -> None:
    account = new_account()
    c = lam(server, account)
    sqs = client("sqs", server.url, account=account)
    ok_url, ok_arn = _queue(sqs, "on-success")
    failed_url, failed_arn = _queue(sqs, "on-failure")
    dead_url, dead_arn = _queue(sqs, "dead-letters")
    fn = create(c, "dest", HANDLER, DeadLetterConfig={"TargetArn": dead_arn})["FunctionArn"]
    c.put_function_event_invoke_config(FunctionName="dest", MaximumRetryAttempts=0, DestinationConfig={
        "OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": failed_arn}})

    c.invoke(FunctionName="dest", InvocationType="Event", Payload=json.dumps({"n": 1}).encode())
    success = json.loads(_one(sqs, ok_url, "the success record")["Body"])
    assert success["version"] == "1.0" and success["requestPayload"] == {"n": 1}
    assert success["requestContext"]["condition"] == "Success"
    assert success["requestContext"]["functionArn"] == f"{fn}:$LATEST"
    assert success["requestContext"]["approximateInvokeCount"] == 1
    assert success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert success["responsePayload"] == {"echo": {"n": 1}}

    c.invoke(FunctionName="dest", InvocationType="Event", Payload=json.dumps({"fail": True}).encode())
    failure = json.loads(_one(sqs, failed_url, "the failure record")["Body"])
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["responsePayload"]["errorMessage"] == "asked to fail"
    dead = _one(sqs, dead_url, "the dead letter")
    assert json.loads(dead["Body"]) == {"fail": True}
    attributes = dead["MessageAttributes"]
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "asked to fail"
    assert attributes["RequestID"]["DataType"] == "String"
