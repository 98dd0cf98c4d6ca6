"""The typed path other services write into queues by (``QueueWriter``), in-process on both
backends: a batch goes in whole, what a queue refuses is found one message at a time
and handed back for the sender's outbox, and each message is checked as SendMessage is."""

from __future__ import annotations

import asyncio
from typing import Any

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.services.sqs import SqsService
from eventyard.services.sqs.inbound import QueueWrite
from eventyard.services.sqs.types import MessageAttribute, QueueMessage, ServiceSource
from eventyard.store import Store

OWNER, OTHER, REGION = "111111111111", "222222222222", "eu-west-1"
CTX = RequestContext(account=OWNER, region=REGION)


def arn(name: str, account: str = OWNER) -> str:
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def create(sqs: SqsService, name: str, **attributes: str) -> str:
    done = asyncio.run(sqs.queues.create_queue(CTX, {"QueueName": name, "Attributes": attributes}))
    return str(done["QueueUrl"])


def write(store: Store, sqs: SqsService, queue_arn: str, messages: list[QueueMessage],
          sender: str = OWNER) -> QueueWrite:
    return store.write_sync(lambda s: sqs.queue_writer.write(s, queue_arn, messages, sender=sender, now=clock.now_ms()))


def received(sqs: SqsService, url: str) -> list[dict[str, Any]]:
    got = asyncio.run(sqs.messages.receive_message(CTX, {
        "QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 600, "AttributeNames": ["All"],
        "MessageAttributeNames": ["All"]}))
    return list(got.get("Messages") or [])


def test_a_batch_is_written_and_what_the_queue_refuses_is_handed_back(store: Store):
    sqs = SqsService(store)
    url = create(sqs, "orders", MaximumMessageSize="1024")
    messages = [QueueMessage("first"), QueueMessage("x" * 2000), QueueMessage("third"),
                QueueMessage("bad", attributes={"AWS.reserved": MessageAttribute("String", "v")})]
    done = write(store, sqs, arn("orders"), messages)
    assert done.refused == [1, 3]
    assert done.queue_id is not None
    assert sorted(m["Body"] for m in received(sqs, url)) == ["first", "third"]


def test_a_queue_that_is_not_on_this_store_refuses_everything(store: Store):
    sqs = SqsService(store)
    assert write(store, sqs, arn("missing"), [QueueMessage("a"), QueueMessage("b")]) == QueueWrite(None, [0, 1])


def test_attributes_trace_header_and_fifo_ids_arrive_as_sendmessage_would_store_them(store: Store):
    sqs = SqsService(store)
    url = create(sqs, "plain")
    fifo_url = create(sqs, "ordered.fifo", FifoQueue="true")
    message = QueueMessage("hello", attributes={"kind": MessageAttribute("String", "order"),
                                                 "blob": MessageAttribute("Binary", binary_value=b"\x00\x01")},
                           trace_header="Root=1-5759e988-bd862e3fe1be46a994272793", group_id="g", dedup_id="d",
                           fifo_group_only=True)
    assert write(store, sqs, arn("plain"), [message]).refused == []
    assert write(store, sqs, arn("ordered.fifo"), [message, message]).refused == []
    [plain] = received(sqs, url)
    assert plain["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "order"},
                                          "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    assert plain["Attributes"]["AWSTraceHeader"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert "MessageGroupId" not in plain["Attributes"]  # a standard queue gets no FIFO ids from this sender
    [ordered] = received(sqs, fifo_url)  # the second is a duplicate
    assert ordered["Attributes"]["MessageGroupId"] == "g"
    assert ordered["Attributes"]["MessageDeduplicationId"] == "d"


def test_another_accounts_queue_takes_only_what_its_policy_allows(store: Store):
    sqs = SqsService(store)
    other = RequestContext(account=OTHER, region=REGION)
    topic = f"arn:aws:sns:{REGION}:{OWNER}:news"
    policy = ('{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},'
              f'"Action":"sqs:SendMessage","Resource":"{arn("inbox", OTHER)}",'
              f'"Condition":{{"ArnEquals":{{"aws:SourceArn":"{topic}"}}}}}}]}}')
    url = asyncio.run(sqs.queues.create_queue(other, {"QueueName": "inbox", "Attributes": {"Policy": policy}}))
    allowed = QueueMessage("from the topic", via=ServiceSource("sns.amazonaws.com", topic))
    unknown = QueueMessage("from elsewhere", via=ServiceSource("sns.amazonaws.com", topic + "-other"))
    done = write(store, sqs, arn("inbox", OTHER), [allowed, unknown, QueueMessage("no source")])
    assert done.refused == [1, 2]
    got = asyncio.run(sqs.messages.receive_message(other, {"QueueUrl": url["QueueUrl"], "MaxNumberOfMessages": 10}))
    assert [m["Body"] for m in got["Messages"]] == ["from the topic"]
