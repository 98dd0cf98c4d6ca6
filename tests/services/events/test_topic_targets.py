"""EventBridge rules with an SNS topic target: the (transformed) event is published to the
topic and fans out to its subscriptions; a missing topic goes to the dead-letter queue."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from _clients import client
from _waiting import PATIENCE


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(env={"EVENTYARD_EVENTS_RETRY_BASE_MS": "100"})


def _receive(sqs: Any, url: str, want: int, wait: float = PATIENCE) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while len(got) < want and time.monotonic() < deadline:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    return got


def _yard(server: Any) -> tuple[str, Any, Any, Any]:
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return (account, client("events", server.url, account=account), client("sns", server.url, account=account),
            client("sqs", server.url, account=account))


def test_events_are_published_to_a_topic_target_and_fan_out(server):
    account, ev, sns, sqs = _yard(server)
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url = sqs.create_queue(QueueName="sub")["QueueUrl"]
    raw_url = sqs.create_queue(QueueName="raw")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{account}:sub")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{account}:raw",
                  Attributes={"RawMessageDelivery": "true"})
    ev.put_rule(Name="to-topic", EventPattern=json.dumps({"source": ["shop"]}))
    ev.put_targets(Rule="to-topic", Targets=[
        {"Id": "t", "Arn": topic},
        {"Id": "x", "Arn": topic, "InputPath": "$.detail"},
    ])
    out = ev.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"n": 7})}])
    event_id = out["Entries"][0]["EventId"]

    raw = sorted((json.loads(m["Body"]) for m in _receive(sqs, raw_url, 2)), key=lambda b: "id" in b)
    assert raw[0] == {"n": 7}
    assert raw[1]["id"] == event_id and raw[1]["detail"] == {"n": 7} and raw[1]["source"] == "shop"

    wrapped = [json.loads(m["Body"]) for m in _receive(sqs, url, 2)]
    assert len(wrapped) == 2
    for envelope in wrapped:
        assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert sorted(json.loads(e["Message"]).get("id", "") for e in wrapped) == ["", event_id]


def test_a_missing_topic_is_not_retried_and_goes_to_the_dead_letter_queue(server):
    account, ev, sns, sqs = _yard(server)
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    missing = f"arn:aws:sns:us-east-1:{account}:nowhere"
    ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))
    ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": missing,
                                       "DeadLetterConfig": {"Arn": f"arn:aws:sqs:us-east-1:{account}:dlq"}}])
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": "{}"}])
    [message] = _receive(sqs, dlq, 1)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["TARGET_ARN"] == missing
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes
    assert json.loads(message["Body"])["source"] == "shop"
