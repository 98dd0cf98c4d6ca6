"""SQS messages on standard queues through boto3: send, receive, delete, visibility,
long polling, attributes and MD5s, batches and limits, on both backends."""

from __future__ import annotations

import hashlib
import struct
import threading
import time
import uuid

import pytest

from _sqs import bodies, error, receive, sqs

LONGEST_POLL = 20  # seconds: SQS's longest WaitTimeSeconds


def _md5_of_attributes(attributes: dict) -> str:
    """An independent reference: AWS's documented encoding of message attributes."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        if "BinaryValue" in value:
            digest.update(b"\x02" + struct.pack(">I", len(value["BinaryValue"])) + value["BinaryValue"])
        else:
            data = value["StringValue"].encode()
            digest.update(b"\x01" + struct.pack(">I", len(data)) + data)
    return digest.hexdigest()


@pytest.fixture
def queue(server):
    c = sqs(server)
    return c, c.create_queue(QueueName="q")["QueueUrl"]


def test_send_receive_delete(queue):
    c, url = queue
    sent = c.send_message(QueueUrl=url, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    assert "MD5OfMessageAttributes" not in sent and "SequenceNumber" not in sent
    [m] = receive(c, url)
    assert (m["MessageId"], m["Body"], m["MD5OfBody"]) == (sent["MessageId"], "hello", sent["MD5OfMessageBody"])
    parsed = uuid.UUID(sent["MessageId"])  # AWS's message ids are random UUIDs
    assert (str(parsed), parsed.version, parsed.variant) == (sent["MessageId"], 4, uuid.RFC_4122)
    assert receive(c, url) == []  # in flight
    c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])  # already gone: still fine
    counts = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_message_attributes_and_md5s(queue):
    c, url = queue
    attributes = {
        "name": {"DataType": "String", "StringValue": "Zoë ☃"},
        "count": {"DataType": "Number", "StringValue": "12.50"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.json", "StringValue": "{}"},
        "app.kind": {"DataType": "Number.int", "StringValue": "-3"},
    }
    sent = c.send_message(QueueUrl=url, MessageBody="body", MessageAttributes=attributes,
                          MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-a"}})
    assert sent["MD5OfMessageAttributes"] == _md5_of_attributes(attributes)
    assert sent["MD5OfMessageSystemAttributes"] == _md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-a"}})
    [m] = receive(c, url, MessageAttributeNames=["All"], VisibilityTimeout=0)
    assert m["MessageAttributes"] == attributes
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    # a subset comes with the digest of that subset, as the SDKs that check it expect
    [m] = receive(c, url, MessageAttributeNames=["name", "app.*"], VisibilityTimeout=0)
    assert set(m["MessageAttributes"]) == {"name", "app.kind"}
    assert m["MD5OfMessageAttributes"] == _md5_of_attributes({k: attributes[k] for k in ("name", "app.kind")})
    [m] = receive(c, url, MessageAttributeNames=[".*"], VisibilityTimeout=0)
    assert len(m["MessageAttributes"]) == 5
    [m] = receive(c, url, VisibilityTimeout=0)
    # none asked for, none returned, and no digest of them (AWS, recorded; SDKs that check it)
    assert "MessageAttributes" not in m and "MD5OfMessageAttributes" not in m
    [m] = receive(c, url, MessageSystemAttributeNames=["AWSTraceHeader"])
    assert m["Attributes"] == {"AWSTraceHeader": "Root=1-a"}


def test_system_attributes(server):
    acct = "210987654321"
    c = sqs(server, account=acct)
    url = c.create_queue(QueueName="sys")["QueueUrl"]
    before = int(time.time() * 1000)
    c.send_message(QueueUrl=url, MessageBody="x")
    [first] = receive(c, url, AttributeNames=["All"], VisibilityTimeout=0)
    after = int(time.time() * 1000)
    [again] = receive(c, url, MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp",
                                                           "ApproximateFirstReceiveTimestamp"])
    a = first["Attributes"]
    assert set(a) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}
    assert a["SenderId"] == acct and a["ApproximateReceiveCount"] == "1"
    assert before <= int(a["SentTimestamp"]) <= int(a["ApproximateFirstReceiveTimestamp"]) <= after
    assert again["Attributes"] == {"SentTimestamp": a["SentTimestamp"], "ApproximateReceiveCount": "2",
                                   "ApproximateFirstReceiveTimestamp": a["ApproximateFirstReceiveTimestamp"]}
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    # fair queues: a standard queue takes a MessageGroupId and reports it
    c.send_message(QueueUrl=url, MessageBody="tenant", MessageGroupId="tenant-1")
    c.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    [m] = receive(c, url, MessageSystemAttributeNames=["MessageGroupId", "SequenceNumber"])
    assert m["Attributes"] == {"MessageGroupId": "tenant-1"}


def test_visibility_timeout_returns_messages_with_a_higher_receive_count(server):
    c = sqs(server)
    url = c.create_queue(QueueName="vis", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="again")
    received = time.monotonic()
    [m] = receive(c, url)
    # hidden while its 1 s runs (on a busy machine the next call may come later than that)
    again = receive(c, url, AttributeNames=["ApproximateReceiveCount"])
    assert again == [] or time.monotonic() - received >= 1
    [m2] = again or receive(c, url, WaitTimeSeconds=LONGEST_POLL, AttributeNames=["ApproximateReceiveCount"])
    assert m2["MessageId"] == m["MessageId"] and m2["Attributes"]["ApproximateReceiveCount"] == "2"
    # a per-receive timeout overrides the queue's
    [m3] = receive(c, url, WaitTimeSeconds=LONGEST_POLL, VisibilityTimeout=0)
    assert m3["MessageId"] == m["MessageId"]


def test_change_message_visibility_rules(queue):
    c, url = queue
    c.send_message(QueueUrl=url, MessageBody="m")
    [m] = receive(c, url)
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    [m2] = receive(c, url, VisibilityTimeout=0)  # visible again at once
    # the earlier handle still works on AWS (recorded), though the message was received again
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    # after its visibility ran out (not received since) a standard message still takes a change
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=30)
    assert receive(c, url) == []
    err = error(c.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=43201)
    assert err["Code"] == "InvalidParameterValue"
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=43190)
    err = error(c.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=43200)
    assert err["Code"] == "InvalidParameterValue" and "Total VisibilityTimeout" in err["Message"]
    c.delete_message(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"])
    err = error(c.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=5)
    assert err["Code"] == "InvalidParameterValue"
    assert "Message does not exist or is not available for visibility timeout change" in err["Message"]


def test_an_earlier_handle_still_deletes_a_message_received_again(queue):
    c, url = queue
    c.send_message(QueueUrl=url, MessageBody="m")
    [old] = receive(c, url, VisibilityTimeout=0)
    [new] = receive(c, url, VisibilityTimeout=0)
    assert new["ReceiptHandle"] != old["ReceiptHandle"]
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"], VisibilityTimeout=0)
    c.delete_message(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"])  # AWS deletes it
    assert receive(c, url, VisibilityTimeout=0) == []
    c.delete_message(QueueUrl=url, ReceiptHandle=new["ReceiptHandle"])  # gone: still a success
    c.send_message(QueueUrl=url, MessageBody="n")
    [first] = receive(c, url, VisibilityTimeout=0)
    [second] = receive(c, url, VisibilityTimeout=0)
    out = c.delete_message_batch(QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": first["ReceiptHandle"]}])
    assert out["Successful"] == [{"Id": "a"}] and receive(c, url, VisibilityTimeout=0) == []
    assert second["Body"] == "n"


def test_invalid_receipt_handles(server):
    c = sqs(server)
    url = c.create_queue(QueueName="a")["QueueUrl"]
    other = c.create_queue(QueueName="b")["QueueUrl"]
    c.send_message(QueueUrl=other, MessageBody="x")
    [m] = receive(c, other)
    for handle in ("garbage", "ZXlyMTox", m["ReceiptHandle"]):  # the last is another queue's
        err = error(c.delete_message, QueueUrl=url, ReceiptHandle=handle)
        assert err["Code"] == "ReceiptHandleIsInvalid" and err["Status"] == 404
        assert err["Message"] == f'The input receipt handle "{handle}" is not a valid receipt handle.'
        assert error(c.change_message_visibility, QueueUrl=url, ReceiptHandle=handle,
                     VisibilityTimeout=1)["Code"] == "ReceiptHandleIsInvalid"


def test_delays(server):
    c = sqs(server)
    # a delay no busy machine outlasts, for what must stay hidden
    url = c.create_queue(QueueName="delayed", Attributes={"DelaySeconds": "900"})["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="queue delay")
    c.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["no delay"]
    attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed",
                                                                  "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attrs == {"ApproximateNumberOfMessagesDelayed": "1", "ApproximateNumberOfMessagesNotVisible": "1"}
    # a short one, for what must come out when due
    short = c.create_queue(QueueName="delayed-briefly", Attributes={"DelaySeconds": "1"})["QueueUrl"]
    started = time.monotonic()
    c.send_message(QueueUrl=short, MessageBody="queue delay")
    assert bodies(receive(c, short, WaitTimeSeconds=LONGEST_POLL)) == ["queue delay"]
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < LONGEST_POLL - 5  # found when due, not at the poll's deadline
    err = error(c.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert err["Code"] == "InvalidParameterValue" and "DelaySeconds" in err["Message"]


def test_long_poll_returns_as_soon_as_a_message_arrives(queue):
    c, url = queue
    timer = threading.Timer(0.5, lambda: c.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    try:
        got = receive(c, url, WaitTimeSeconds=LONGEST_POLL)
    finally:
        timer.join()
    assert bodies(got) == ["late"]
    assert 0.4 < time.monotonic() - started < LONGEST_POLL - 5  # when it came, not at the poll's deadline


def test_long_poll_waits_the_queue_default_and_ends_empty(server):
    c = sqs(server)
    url = c.create_queue(QueueName="lp", Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    started = time.monotonic()
    assert receive(c, url) == []
    assert 0.9 < time.monotonic() - started < LONGEST_POLL - 5
    # WaitTimeSeconds=0 overrides a queue default too long to be mistaken for a slow answer
    c.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": str(LONGEST_POLL)})
    started = time.monotonic()
    assert receive(c, url, WaitTimeSeconds=0) == []
    assert time.monotonic() - started < LONGEST_POLL - 5


def test_receive_parameter_limits(queue):
    c, url = queue
    for kwargs, text in (({"MaxNumberOfMessages": 11}, "Must be between 1 and 10, if provided."),
                         ({"MaxNumberOfMessages": 0}, "Must be between 1 and 10, if provided."),
                         ({"WaitTimeSeconds": 21}, "Must be >= 0 and <= 20, if provided."),
                         ({"VisibilityTimeout": 43201}, "VisibilityTimeout")):
        err = error(c.receive_message, QueueUrl=url, **kwargs)
        assert err["Code"] == "InvalidParameterValue" and text in err["Message"]


def test_max_number_of_messages(queue):
    c, url = queue
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    c.send_message(QueueUrl=url, MessageBody="m10")
    assert len(receive(c, url)) == 1
    assert len(receive(c, url, MaxNumberOfMessages=10)) == 10
    assert receive(c, url, MaxNumberOfMessages=10) == []


def test_message_size_and_contents(server):
    c = sqs(server)
    url = c.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="x" * 1024)
    err = error(c.send_message, QueueUrl=url, MessageBody="x" * 1025)
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."
    # attributes count toward the size
    err = error(c.send_message, QueueUrl=url, MessageBody="x" * 1000,
                MessageAttributes={"a": {"DataType": "String", "StringValue": "y" * 30}})
    assert err["Code"] == "InvalidParameterValue"
    big = c.create_queue(QueueName="big")["QueueUrl"]
    c.send_message(QueueUrl=big, MessageBody="é" * (1_048_576 // 2))  # 1 MiB of UTF-8 by default
    assert error(c.send_message, QueueUrl=big, MessageBody="x" * 1_048_577)["Code"] == "InvalidParameterValue"
    for body in ("bad \x00 char", "bad \ufffe char", "bad \x08"):
        err = error(c.send_message, QueueUrl=url, MessageBody=body)
        assert err["Code"] == "InvalidMessageContents" and "#x9 | #xA | #xD" in err["Message"]
    c.send_message(QueueUrl=url, MessageBody="ok \t\n\r \U0001F600 \ue000")
    assert bodies(receive(c, url, MaxNumberOfMessages=2))[1] == "ok \t\n\r \U0001F600 \ue000"


@pytest.mark.parametrize("attributes,text", [
    ({f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}, "exceeds the allowed maximum [10]"),
    ({"AWS.reserved": {"DataType": "String", "StringValue": "v"}}, "AWS.reserved"),
    ({"amazon.x": {"DataType": "String", "StringValue": "v"}}, "amazon.x"),
    ({".lead": {"DataType": "String", "StringValue": "v"}}, ".lead"),
    ({"a..b": {"DataType": "String", "StringValue": "v"}}, "a..b"),
    ({"sp ace": {"DataType": "String", "StringValue": "v"}}, "sp ace"),
    ({"a": {"DataType": "Text", "StringValue": "v"}}, "supported type prefixes"),
    ({"a": {"DataType": "String", "StringValue": ""}}, "non-empty value of type 'String'"),
    ({"a": {"DataType": "Binary", "StringValue": "v"}}, "non-empty value of type 'Binary'"),
    ({"a": {"DataType": "Number", "StringValue": "twelve"}}, "to a number"),
])
def test_bad_message_attributes(queue, attributes, text):
    c, url = queue
    err = error(c.send_message, QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    assert err["Code"] == "InvalidParameterValue" and text in err["Message"]
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"}


def test_standard_queue_refuses_fifo_parameters(queue):
    c, url = queue
    err = error(c.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert err["Code"] == "InvalidParameterValue" and "MessageDeduplicationId" in err["Message"]
    err = error(c.send_message, QueueUrl=url, MessageBody="")
    assert err["Code"] == "MissingParameter"


def test_send_batch_reports_each_entry(queue):
    c, url = queue
    out = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok-1", "MessageBody": "one", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "bad", "MessageBody": "bad \x00"},
        {"Id": "ok_2", "MessageBody": "two", "DelaySeconds": 0},
        {"Id": "late", "MessageBody": "x", "DelaySeconds": 1000},
    ])
    assert [e["Id"] for e in out["Successful"]] == ["ok-1", "ok_2"]
    assert out["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert out["Successful"][0]["MD5OfMessageAttributes"] == _md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    failed = {e["Id"]: e for e in out["Failed"]}
    assert failed["bad"]["Code"] == "InvalidMessageContents" and failed["bad"]["SenderFault"] is True
    assert failed["late"]["Code"] == "InvalidParameterValue"
    assert sorted(bodies(receive(c, url, MaxNumberOfMessages=10))) == ["one", "two"]


def test_batch_request_errors(queue):
    c, url = queue
    entry = {"MessageBody": "x"}
    cases = [
        ([], "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry"),
        ([{"Id": str(i), **entry} for i in range(11)], "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
         "Maximum number of entries per request are 10. You have sent 11."),
        ([{"Id": "a", **entry}, {"Id": "a", **entry}], "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."),
        ([{"Id": "bad id!", **entry}], "AWS.SimpleQueueService.InvalidBatchEntryId", "alphanumeric"),
        ([{"Id": "x" * 81, **entry}], "AWS.SimpleQueueService.InvalidBatchEntryId", "at most 80"),
        ([{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)],
         "AWS.SimpleQueueService.BatchRequestTooLong", "You have sent 1200000 bytes."),
    ]
    for entries, code, text in cases:
        err = error(c.send_message_batch, QueueUrl=url, Entries=entries)
        assert err["Code"] == code and text in err["Message"], err
    for call in (c.delete_message_batch, c.change_message_visibility_batch):
        assert error(call, QueueUrl=url, Entries=[])["Code"] == "AWS.SimpleQueueService.EmptyBatchRequest"
    assert receive(c, url) == []


def test_delete_and_change_visibility_batches(queue):
    c, url = queue
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(4)])
    got = receive(c, url, MaxNumberOfMessages=10)
    assert sorted(bodies(got)) == ["m0", "m1", "m2", "m3"]
    out = c.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"]},
        {"Id": "b", "ReceiptHandle": got[1]["ReceiptHandle"]},
        {"Id": "c", "ReceiptHandle": "garbage"},
    ])
    assert [e["Id"] for e in out["Successful"]] == ["a", "b"]
    assert [(e["Id"], e["Code"]) for e in out["Failed"]] == [("c", "ReceiptHandleIsInvalid")]
    out = c.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "x", "ReceiptHandle": got[2]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "y", "ReceiptHandle": got[3]["ReceiptHandle"], "VisibilityTimeout": 50_000},
        {"Id": "z", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},  # deleted
    ])
    assert [e["Id"] for e in out["Successful"]] == ["x"]
    assert {e["Id"]: e["Code"] for e in out["Failed"]} == {"y": "InvalidParameterValue", "z": "InvalidParameterValue"}
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == [got[2]["Body"]]


def test_retention_lowered_expires_queued_messages(server):
    c = sqs(server)
    url = c.create_queue(QueueName="ret")["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="old")
    c.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    assert bodies(receive(c, url, VisibilityTimeout=0)) == ["old"]  # 60 s have not passed


def test_many_messages_all_delivered_once(queue):
    c, url = queue
    sent = set()
    for n in range(10):
        out = c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"{n}-{i}"} for i in range(10)])
        sent |= {f"{n}-{i}" for i in range(10)}
        assert not out.get("Failed")
    seen: list[str] = []
    while True:
        got = receive(c, url, MaxNumberOfMessages=10)
        if not got:
            break
        seen += bodies(got)
        c.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                      for i, m in enumerate(got)])
    assert sorted(seen) == sorted(sent)
