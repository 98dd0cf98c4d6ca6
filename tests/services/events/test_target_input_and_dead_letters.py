"""EventBridge target delivery as AWS does it: missing targets go to the dead-letter queue
without retries; InputPath and InputTransformer shape what a target receives.

Facts: docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html ("for errors
that result from missing permissions to a target, or a target resource that no longer
exists ... Rather than retrying, EventBridge sends these events directly to the DLQ"),
/work/shared/aws-notes/eventbridge.md section 2 (input transformation, recorded on AWS).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _waiting import PATIENCE


@pytest.fixture(scope="module")
def server(make_server):
    # A retry would come only after 30 s or more (the dead letter's RETRY_ATTEMPTS says
    # whether one happened).
    return make_server(env={"EVENTYARD_EVENTS_RETRY_BASE_MS": "60000"})


def _setup(server: Any) -> tuple[Any, Any, str]:
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("events", server.url, account=account), client("sqs", server.url, account=account), account


def _receive(sqs: Any, url: str, wait: float = PATIENCE, **kw: Any) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kw).get("Messages", [])
        if got:
            return list(got)
    return []


def test_missing_target_goes_to_the_dead_letter_queue_without_retries(server):
    # Fix: services/sqs/inbound.py QueueDeliverer.deliver returns a retryable Failure for
    # AWS.SimpleQueueService.NonExistentQueue; a missing target (queue, bus, ...) must be
    # Failure(..., retryable=False) so EventsOrigin.give_up dead-letters it at once with
    # RETRY_ATTEMPTS "0" (and delivery.BusDeliverer likewise for a missing bus).
    ev, sqs, account = _setup(server)
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    missing = f"arn:aws:sqs:us-east-1:{account}:never-created"
    rule_arn = ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    ev.put_targets(Rule="r", Targets=[{
        "Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": f"arn:aws:sqs:us-east-1:{account}:dlq"},
        "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600}}])
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "t", "Detail": "{}"}])

    got = _receive(sqs, dlq, MessageAttributeNames=["All"])
    assert len(got) == 1, "not dead-lettered at once: the missing target was retried"
    attributes = {k: v["StringValue"] for k, v in got[0]["MessageAttributes"].items()}
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == missing


def _delivered_body(server: Any, target: dict[str, Any], detail: dict[str, Any]) -> str:
    ev, sqs, account = _setup(server)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    ev.put_rule(Name="placed", EventPattern=json.dumps({"source": ["shop"]}))
    ev.put_targets(Rule="placed", Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:{account}:q", **target}])
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps(detail)}])
    got = _receive(sqs, url)
    assert len(got) == 1
    return str(got[0]["Body"])


def test_input_path_delivers_the_selected_node(server):
    # Fix: services/events/transforms.py render() ignores InputPath and delivers the whole
    # event; it must deliver the JSON of the node the path selects (quotes included).
    body = _delivered_body(server, {"InputPath": "$.detail.order.id"}, {"order": {"id": "o-1"}})
    assert body == '"o-1"'
    body = _delivered_body(server, {"InputPath": "$.detail"}, {"order": {"id": "o-1"}})
    assert json.loads(body) == {"order": {"id": "o-1"}}


def test_input_transformer_fills_the_template(server):
    # Fix: transforms.render() ignores InputTransformer (see issue 5, item 4).
    body = _delivered_body(server, {"InputTransformer": {
        "InputPathsMap": {"id": "$.detail.order.id", "src": "$.source"},
        "InputTemplate": '{"order": <id>, "from": "<src>", "rule": "<aws.events.rule-name>"}'}},
        {"order": {"id": "o-1"}})
    assert json.loads(body) == {"order": "o-1", "from": "shop", "rule": "placed"}
    body = _delivered_body(server, {"InputTransformer": {
        "InputPathsMap": {"id": "$.detail.order.id"}, "InputTemplate": '"Order <id> placed"'}},
        {"order": {"id": "o-1"}})
    assert body == '"Order o-1 placed"'


def test_input_template_with_an_undefined_placeholder_is_refused(server):
    # Fix: transforms.validate_target() must check every <placeholder> of InputTemplate
    # against InputPathsMap and the reserved aws.events.* names.
    ev, _, account = _setup(server)
    ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))
    with pytest.raises(ClientError) as exc:
        ev.put_targets(Rule="r", Targets=[{
            "Id": "t", "Arn": f"arn:aws:sqs:us-east-1:{account}:q",
            "InputTransformer": {"InputPathsMap": {"id": "$.detail.id"}, "InputTemplate": '{"a": <notdefinedkey>}'}}])
    err = exc.value.response["Error"]
    assert err["Code"] == "ValidationException"
    assert err["Message"] == "InputTemplate for target t contains invalid placeholder notdefinedkey."
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []
