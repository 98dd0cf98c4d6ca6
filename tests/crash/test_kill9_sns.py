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
import threading
import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from _clients import client

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
    lock = threading.Lock()
    stop = threading.Event()

    def publisher(n: int) -> None:
        c = client("sns", server.url, account=account)
        i = 0
        while not stop.is_set():
            keys = [f"{n}-{i}-{k}" for k in range(10)]
            entries = [{"Id": str(k), "Message": json.dumps({"key": key, "pad": "x" * 700}),
                        "MessageAttributes": {"parity": {"DataType": "String", "StringValue": "even" if k % 2 == 0 else "odd"}}}
                       for k, key in enumerate(keys)]
            try:
                out = c.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
            except (ClientError, BotoCoreError, OSError):
                return  # the server died under us: this batch was never acknowledged
            with lock:
                for ok in out["Successful"]:
                    k = int(ok["Id"])
                    key = keys[k]
                    accepted_ids.add(ok["MessageId"])
                    expected["every"].add(key)
                    expected["even" if k % 2 == 0 else "dlq"].add(key)
                    if key.startswith("0-"):
                        expected["raw"].add(key)
            i += 1

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(PUBLISHERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(accepted_ids) >= ACCEPTED_BEFORE_KILL:
                break
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(accepted_ids) >= ACCEPTED_BEFORE_KILL, server.log()
    assert all(expected[name] for name in names)

    server.start()
    c = client("sqs", server.url, account=account)
    delivered: dict[str, set[str]] = {name: set() for name in names}
    ids_seen: set[str] = set()
    give_up = time.monotonic() + server.drain_seconds
    while time.monotonic() < give_up and any(expected[q] - delivered[q] for q in names):
        for name, url in urls.items():
            if not expected[name] - delivered[name]:
                continue
            got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for m in got:
                if name == "raw":
                    delivered[name].add(json.loads(m["Body"])["key"])
                    continue
                envelope = json.loads(m["Body"])
                delivered[name].add(json.loads(envelope["Message"])["key"])
                ids_seen.add(envelope["MessageId"])
            if got:
                c.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)])
    for name in names:
        lost = expected[name] - delivered[name]
        assert not lost, f"{len(lost)} of {len(expected[name])} accepted messages never reached {name}: {sorted(lost)[:10]}"
    # the envelopes carry the very ids Publish returned
    assert accepted_ids <= ids_seen
