"""An SQS event source mapping through boto3 on both backends: filter criteria (messages
no pattern matches are dropped without an invocation), a partial batch failure
(``ReportBatchItemFailures``) that ends in the queue's dead-letter queue after the
redrive policy's receives, the mapping's API and its errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _waiting import wait_until
from eventyard.api.invoke import Invoker
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from services.functions._functions import ECHO, ROLE, create, lam, new_account, zipped

HANDLER = zipped({"app.py": (
    "import json, os\n"
    "def handler(event, context):\n"
    "    failures = []\n"
    "    for record in event['Records']:\n"
    "        body = json.loads(record['body'])\n"
    "        with open(body['path'], 'a') as f:\n"
    "            f.write(body['v'] + '\\n')\n"
    "        assert record['eventSource'] == 'aws:sqs' and record['attributes']['ApproximateReceiveCount']\n"
    "        if body['v'] == 'fail':\n"
    "            failures.append({'itemIdentifier': record['messageId']})\n"
    "    return {'batchItemFailures': failures}\n")})


def _seen(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_filters_partial_failures_and_the_dead_letter_queue(server: Any, tmp_path: Path) -> None:
    account = new_account()
    c = lam(server, account)
    fn = create(c, "consumer", HANDLER, Timeout=1)["FunctionArn"]
    sqs = client("sqs", server.url, account=account)
    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "3", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = c.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName="consumer", BatchSize=10, FunctionResponseTypes=[
            "ReportBatchItemFailures"], FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"keep": [True]}})}]})
    assert mapping["State"] == "Creating" and mapping["FunctionArn"] == fn and mapping["BatchSize"] == 10
    wait_until(lambda: c.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled",
               what="Creating -> Enabled")
    seen = tmp_path / "seen.txt"
    for keep, v in ((True, "ok"), (True, "fail"), (False, "skip")):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"keep": keep, "v": v, "path": str(seen)}))
    dead = wait_until(lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"),
                      what="the failing message in the dead-letter queue")
    assert json.loads(dead[0]["Body"])["v"] == "fail"
    assert sorted(set(_seen(seen))) == ["fail", "ok"] and _seen(seen).count("ok") == 1
    assert _seen(seen).count("fail") == 2  # maxReceiveCount receives, then the redrive policy moved it
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")

    listed = c.list_event_source_mappings(FunctionName="consumer")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping["UUID"]]
    updated = c.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert updated["State"] == "Disabling"
    wait_until(lambda: c.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled",
               what="Disabling -> Disabled")
    assert c.delete_event_source_mapping(UUID=mapping["UUID"])["State"] == "Deleting"

    def gone() -> bool:
        try:
            c.get_event_source_mapping(UUID=mapping["UUID"])
        except ClientError as exc:
            return bool(exc.response["Error"]["Code"] == "ResourceNotFoundException")
        return False

    wait_until(gone, what="Deleting -> gone")


def test_mapping_errors(server: Any) -> None:
    account = new_account()
    c = lam(server, account)
    create(c, "slowfn", Timeout=60)
    sqs = client("sqs", server.url, account=account)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cases = [
        (dict(EventSourceArn=arn.replace(":q", ":missing"), FunctionName="slowfn"),
         "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error "
         "Message: The specified queue does not exist or you do not have access to it."),
        (dict(EventSourceArn=arn, FunctionName="slowfn"),
         "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"),
        (dict(EventSourceArn=arn, FunctionName="slowfn", BatchSize=50),
         "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
        (dict(EventSourceArn=arn, FunctionName="slowfn", FilterCriteria={"Filters": [{"Pattern": "{not json"}]}),
         "Invalid filter pattern definition."),
    ]
    for params, message in cases:
        with pytest.raises(ClientError) as exc:
            c.create_event_source_mapping(**params)
        assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException", params
        assert exc.value.response["Error"]["Message"] == message
    assert c.list_event_source_mappings()["EventSourceMappings"] == []


def test_transitional_states_are_settled_by_the_durable_job(store: Any) -> None:
    """Creating, Disabling, Enabling, Updating and Deleting stay until the job runs (here:
    by hand, the node's job loop not started), then Enabled, Disabled and gone, as Lambda
    reports them."""
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    call = Invoker(registry.resolve).invoke
    ctx = RequestContext(account="123456789012", region="us-east-1")

    async def scenario() -> list[str]:
        await call("sqs", "CreateQueue", {"QueueName": "settled"}, ctx)
        await call("lambda", "CreateFunction", {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE,
                                                "Handler": "app.handler", "Code": {"ZipFile": ECHO}}, ctx)
        await registry.jobs.run_due()
        seen: list[str] = []

        async def state(uuid: str) -> str:
            try:
                return str((await call("lambda", "GetEventSourceMapping", {"UUID": uuid}, ctx))["State"])
            except ServiceError as err:
                return err.code

        created = await call("lambda", "CreateEventSourceMapping", {
            "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:settled", "FunctionName": "fn"}, ctx)
        uuid = created["UUID"]
        seen += [created["State"], await state(uuid)]
        await registry.jobs.run_due()
        seen.append(await state(uuid))
        for change in ({"Enabled": False}, {"Enabled": True}, {"BatchSize": 5}, {"Enabled": True}):
            updated = await call("lambda", "UpdateEventSourceMapping", {"UUID": uuid, **change}, ctx)
            seen += [updated["State"], await state(uuid)]
            await registry.jobs.run_due()
            seen.append(await state(uuid))
        deleted = await call("lambda", "DeleteEventSourceMapping", {"UUID": uuid}, ctx)
        seen += [deleted["State"], await state(uuid)]
        await registry.jobs.run_due()
        seen.append(await state(uuid))
        await registry.function_runner.close()
        return seen

    assert asyncio.run(scenario()) == ["Creating", "Creating", "Enabled", "Disabling", "Disabling", "Disabled",
                                       "Enabling", "Enabling", "Enabled", "Updating", "Updating", "Enabled",
                                       "Updating", "Updating", "Enabled",  # enabled already: no change of state
                                       "Deleting", "Deleting", "ResourceNotFoundException"]
