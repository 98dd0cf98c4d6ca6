"""An EventBridge rule whose target is a topic: the event goes through the outbox to the
topic, which fans it out to its subscriptions; a missing topic is not retried.

Facts: /work/shared/aws-notes/eventbridge.md (targets, dead letters for missing targets).
"""

from __future__ import annotations

import json
import uuid

from _clients import client
from _sns import body, queue, receive


def test_rule_target_topic_fans_out_the_event(server):
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    sns, sqs, events = (client(name, server.url, account=account) for name in ("sns", "sqs", "events"))
    topic = sns.create_topic(Name="from-rules")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    dlq_url, dlq_arn = queue(sqs, "dlq")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="r", Targets=[
        {"Id": "topic", "Arn": topic},
        {"Id": "gone", "Arn": f"arn:aws:sns:us-east-1:{account}:never", "DeadLetterConfig": {"Arn": dlq_arn}}])
    out = events.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"id": 7})}])
    [m] = receive(sqs, url, 1)
    envelope = body(m)
    event = json.loads(envelope["Message"])
    assert event["id"] == out["Entries"][0]["EventId"] and event["detail"] == {"id": 7}
    assert envelope["TopicArn"] == topic and envelope["Type"] == "Notification"
    [dead] = receive(sqs, dlq_url, 1, MessageAttributeNames=["All"])
    assert dead["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_RESOURCE"
    assert dead["MessageAttributes"]["RETRY_ATTEMPTS"]["StringValue"] == "0"
