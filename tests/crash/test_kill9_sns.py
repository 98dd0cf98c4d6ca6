"""kill -9 the server while Publish/PublishBatch load flows into a topic with SQS
subscriptions (some filtered, one raw, one to a queue that refuses and so goes through
the outbox to its dead-letter queue): after a restart on the same store, every accepted
message (every MessageId returned) reaches every matching subscription at least once.

Queue subscriptions are written inside the publish transaction; the refused ones become
outbox rows whose lease may have been held by the dead server, so the drain waits past
the lease.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from _clients import client
from _scaffold import SERVER_GONE, Load, drain

pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

PUBLISHERS = 4
ACCEPTED_BEFORE_KILL = 1500


def test_accepted_messages_reach_every_matching_subscription_after_kill9(leased_server):
    server = leased_server
    account = "123456789015"
    sns = client("sns", server.url, account=account)
    sqs = client("sqs", server.url, account=account)
    names = ("every", "even", "raw", "dlq")
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in names}
    arn = {name: f"arn:aws:sqs:us-east-1:{account}:{name}" for name in names}
    sqs.create_queue(QueueName="tiny", Attributes={"MaximumMessageSize": "1024"})  # refuses every envelope
    topic = sns.create_topic(Name="crash")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["every"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["even"],
                  Attributes={"FilterPolicy": json.dumps({"parity": ["even"]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["raw"],
                  Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"key": [{"prefix": "0-"}]}),
                              "FilterPolicyScope": "MessageBody"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{account}:tiny",
                  Attributes={"FilterPolicy": json.dumps({"parity": ["odd"]}),
                              "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn["dlq"]})})

    expected: dict[str, set[str]] = {name: set() for name in names}
    accepted_ids: set[str] = set()
    load = Load()

    def publisher(n: int) -> None:
        c = client("sns", server.url, account=account)
        i = 0
        while not load.stop.is_set():
            keys = [f"{n}-{i}-{k}" for k in range(10)]
            entries = [{"Id": str(k), "Message": json.dumps({"key": key, "pad": "x" * 700}),
                        "MessageAttributes": {"parity": {"DataType": "String", "StringValue": "even" if k % 2 == 0 else "odd"}}}
                       for k, key in enumerate(keys)]
            try:
                out = c.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
            except SERVER_GONE:
                return  # the server died under us: this batch was never acknowledged
            with load.lock:
                for ok in out["Successful"]:
                    k = int(ok["Id"])
                    key = keys[k]
                    accepted_ids.add(ok["MessageId"])
                    expected["every"].add(key)
                    expected["even" if k % 2 == 0 else "dlq"].add(key)
                    if key.startswith("0-"):
                        expected["raw"].add(key)
            i += 1

    for n in range(PUBLISHERS):
        load.start(partial(publisher, n))
    load.kill9_when(server, lambda: len(accepted_ids) >= ACCEPTED_BEFORE_KILL, within=60)
    assert len(accepted_ids) >= ACCEPTED_BEFORE_KILL, server.log()
    assert all(expected[name] for name in names)

    server.start()
    c = client("sqs", server.url, account=account)

    def read(name: str, m: dict[str, Any]) -> tuple[str, str | None]:
        if name == "raw":
            return json.loads(m["Body"])["key"], None
        envelope = json.loads(m["Body"])
        return json.loads(envelope["Message"])["key"], envelope["MessageId"]

    delivered, ids_seen = drain(c, urls, expected, read, seconds=server.drain_seconds)
    for name in names:
        lost = expected[name] - delivered[name]
        assert not lost, f"{len(lost)} of {len(expected[name])} accepted messages never reached {name}: {sorted(lost)[:10]}"
    # the envelopes carry the very ids Publish returned
    assert accepted_ids <= ids_seen
