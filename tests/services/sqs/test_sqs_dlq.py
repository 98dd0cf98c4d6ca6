"""Dead-letter queues through boto3: RedrivePolicy, RedriveAllowPolicy,
ListDeadLetterSourceQueues and message move tasks, on both backends."""

from __future__ import annotations

import json
import time

import pytest

from _sqs import bodies, error, receive, sqs
from _waiting import PATIENCE, wait_until

LONGEST_POLL = 20  # seconds: SQS's longest WaitTimeSeconds


def arn_of(c, url):
    return c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def with_dlq(server, max_receives=1, fifo=False):
    c = sqs(server)
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq = c.create_queue(QueueName="dlq" + suffix, Attributes=extra)["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(c, dlq), "maxReceiveCount": max_receives})
    src = c.create_queue(QueueName="src" + suffix, Attributes={**extra, "RedrivePolicy": policy})["QueueUrl"]
    return c, src, dlq


def wait_for_task(c, source_arn, status="COMPLETED", timeout=PATIENCE):
    deadline = time.monotonic() + timeout
    while True:
        [task] = c.list_message_move_tasks(SourceArn=source_arn)["Results"]
        if task["Status"] == status or time.monotonic() > deadline:
            return task
        time.sleep(0.1)


def test_move_happens_on_the_receive_after_the_count_is_exceeded(server):
    c, src, dlq = with_dlq(server, max_receives=2)
    sent = c.send_message(QueueUrl=src, MessageBody="poison",
                          MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    for count in ("1", "2"):
        [m] = receive(c, src, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])
        assert m["Attributes"]["ApproximateReceiveCount"] == count
    assert receive(c, src) == []  # the third receive moved it
    [dead] = receive(c, dlq, MessageAttributeNames=["All"], AttributeNames=["All"])
    assert dead["MessageId"] == sent["MessageId"] and dead["Body"] == "poison"
    assert dead["MessageAttributes"] == {"k": {"DataType": "String", "StringValue": "v"}}
    assert dead["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(c, src)
    assert int(dead["Attributes"]["SentTimestamp"]) <= int(time.time() * 1000)
    assert c.get_queue_attributes(QueueUrl=src, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"}


def test_long_poll_on_the_dead_letter_queue_is_woken_by_a_move(server):
    import threading

    c, src, dlq = with_dlq(server, max_receives=1)
    c.send_message(QueueUrl=src, MessageBody="m")
    receive(c, src, VisibilityTimeout=0)
    timer = threading.Timer(0.3, lambda: receive(c, src))
    timer.start()
    started = time.monotonic()
    try:
        assert bodies(receive(c, dlq, WaitTimeSeconds=LONGEST_POLL)) == ["m"]
    finally:
        timer.join()
    assert time.monotonic() - started < LONGEST_POLL - 5  # woken by the move, not at the poll's deadline


def test_fifo_dead_letter_queue_keeps_group(server):
    c, src, dlq = with_dlq(server, max_receives=1, fifo=True)
    c.send_message(QueueUrl=src, MessageBody="a", MessageGroupId="g")
    c.send_message(QueueUrl=src, MessageBody="b", MessageGroupId="g")
    assert bodies(receive(c, src, VisibilityTimeout=0)) == ["a"]
    # "a" moves; "b" is next in the group and is delivered by the same receive
    assert bodies(receive(c, src, VisibilityTimeout=0)) == ["b"]
    [dead] = receive(c, dlq, AttributeNames=["MessageGroupId", "SequenceNumber"])
    assert dead["Body"] == "a" and dead["Attributes"]["MessageGroupId"] == "g"


def test_redrive_policy_rules(server):
    c = sqs(server)
    dlq = c.create_queue(QueueName="dlq")["QueueUrl"]
    fifo_dlq = c.create_queue(QueueName="dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    src = c.create_queue(QueueName="src")["QueueUrl"]
    target = arn_of(c, dlq)
    bad = [
        ("not json", "Redrive policy is not a valid JSON map."),
        (json.dumps({"maxReceiveCount": 3}), "mandatory attribute: deadLetterTargetArn"),
        (json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 0}), "valid values are from 1 to 1000"),
        (json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 1001}), "valid values are from 1 to 1000"),
        (json.dumps({"deadLetterTargetArn": target[:-3] + "nope", "maxReceiveCount": 3}), "does not exist"),
        (json.dumps({"deadLetterTargetArn": arn_of(c, fifo_dlq), "maxReceiveCount": 3}), "same type"),
        (json.dumps({"deadLetterTargetArn": arn_of(c, src), "maxReceiveCount": 3}), "its own dead-letter queue"),
    ]
    for policy, text in bad:
        err = error(c.set_queue_attributes, QueueUrl=src, Attributes={"RedrivePolicy": policy})
        assert err["Code"] == "InvalidParameterValue" and text in err["Message"], (policy, err)
    c.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": target, "maxReceiveCount": "5"})})
    stored = c.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert json.loads(stored) == {"deadLetterTargetArn": target, "maxReceiveCount": 5}
    c.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in c.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]


def test_redrive_allow_policy_is_enforced(server):
    c = sqs(server)
    dlq = c.create_queue(QueueName="dlq")["QueueUrl"]
    allowed = c.create_queue(QueueName="allowed")["QueueUrl"]
    other = c.create_queue(QueueName="other")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(c, dlq), "maxReceiveCount": 3})
    c.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [arn_of(c, allowed)]})})
    c.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": policy})
    err = error(c.set_queue_attributes, QueueUrl=other, Attributes={"RedrivePolicy": policy})
    assert err["Code"] == "InvalidParameterValue" and "RedriveAllowPolicy" in err["Message"]
    c.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
    err = error(c.create_queue, QueueName="new-source", Attributes={"RedrivePolicy": policy})
    assert err["Code"] == "InvalidParameterValue"
    c.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})})
    c.create_queue(QueueName="new-source", Attributes={"RedrivePolicy": policy})
    for bad in ("[]", json.dumps({"redrivePermission": "some"}), json.dumps({"redrivePermission": "byQueue"}),
                json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": ["a"] * 11}),
                json.dumps({"redrivePermission": "allowAll", "sourceQueueArns": ["a"]})):
        assert error(c.set_queue_attributes, QueueUrl=dlq, Attributes={"RedriveAllowPolicy": bad})["Code"] == (
            "InvalidParameterValue")


def test_list_dead_letter_source_queues(server):
    c = sqs(server)
    dlq = c.create_queue(QueueName="dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(c, dlq), "maxReceiveCount": 3})
    sources = [c.create_queue(QueueName=f"src-{i}", Attributes={"RedrivePolicy": policy})["QueueUrl"] for i in range(3)]
    c.create_queue(QueueName="unrelated")
    assert c.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == sources
    page = c.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2)
    assert page["queueUrls"] == sources[:2]
    rest = c.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2, NextToken=page["NextToken"])
    assert rest["queueUrls"] == sources[2:] and "NextToken" not in rest
    assert c.list_dead_letter_source_queues(QueueUrl=sources[0])["queueUrls"] == []


def test_move_task_redrives_to_the_original_sources(server):
    c = sqs(server)
    dlq = c.create_queue(QueueName="dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(c, dlq), "maxReceiveCount": 1})
    a = c.create_queue(QueueName="a", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    b = c.create_queue(QueueName="b", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    for url, body in ((a, "from-a"), (b, "from-b")):
        c.send_message(QueueUrl=url, MessageBody=body)
        receive(c, url, VisibilityTimeout=0)
        assert receive(c, url) == []  # moved
    dlq_arn = arn_of(c, dlq)
    handle = c.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    task = wait_for_task(c, dlq_arn)
    assert task["Status"] == "COMPLETED", task
    assert task["ApproximateNumberOfMessagesMoved"] == 2 and task["ApproximateNumberOfMessagesToMove"] == 2
    assert "TaskHandle" not in task and task["SourceArn"] == dlq_arn
    for url, body in ((a, "from-a"), (b, "from-b")):
        [m] = receive(c, url, AttributeNames=["ApproximateReceiveCount"])
        assert m["Body"] == body and m["Attributes"]["ApproximateReceiveCount"] == "1"  # a fresh count
    assert receive(c, dlq) == []
    err = error(c.cancel_message_move_task, TaskHandle=handle)
    assert err["Code"] == "InvalidParameterValue"


def test_move_task_to_a_destination_with_a_rate_and_cancel(server):
    c, src, dlq = with_dlq(server, max_receives=1)
    dest = c.create_queue(QueueName="elsewhere")["QueueUrl"]
    c.send_message_batch(QueueUrl=src, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    for _ in range(2):
        while receive(c, src, MaxNumberOfMessages=10, VisibilityTimeout=0):
            pass
    assert c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "10"}
    dlq_arn = arn_of(c, dlq)
    # one message a second: the ten take nine seconds or more, however fast the machine
    handle = c.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(c, dest),
                                       MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    err = error(c.start_message_move_task, SourceArn=dlq_arn)
    assert err["Code"] == "InvalidParameterValue" and "already a task running" in err["Message"]
    [running] = c.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 1 and running["DestinationArn"] == arn_of(c, dest)
    wait_until(lambda: c.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["ApproximateNumberOfMessagesMoved"],
               what="the first message moved")
    moved = c.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 0 < moved < 10  # the rate held it back
    [task] = c.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "CANCELLED"

    def settled() -> int | None:
        """The messages moved, once the task's count, the destination and the DLQ agree."""
        moved = wait_for_task(c, dlq_arn, "CANCELLED")["ApproximateNumberOfMessagesMoved"]
        in_dest, left = (int(c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                             ["Attributes"]["ApproximateNumberOfMessages"]) for url in (dest, dlq))
        return moved if in_dest == moved and in_dest + left == 10 else None

    # a move under way when the cancel came may still commit after it: wait for the counts to agree
    moved = wait_until(settled, what="the task's count to match the queues")
    assert len(receive(c, dest, MaxNumberOfMessages=10)) == moved


def test_move_task_errors(server):
    c, src, dlq = with_dlq(server)
    missing = arn_of(c, src).rsplit(":", 1)[0] + ":missing"
    err = error(c.start_message_move_task, SourceArn=missing)
    assert err["Code"] == "ResourceNotFoundException" and err["Status"] == 404
    err = error(c.start_message_move_task, SourceArn=arn_of(c, src))
    assert err["Code"] == "InvalidParameterValue" and "Dead Letter Queue" in err["Message"]
    err = error(c.start_message_move_task, SourceArn=arn_of(c, dlq), DestinationArn=missing)
    assert err["Code"] == "ResourceNotFoundException"
    assert error(c.start_message_move_task, SourceArn=arn_of(c, dlq), MaxNumberOfMessagesPerSecond=501)["Code"] == (
        "InvalidParameterValue")
    assert error(c.list_message_move_tasks, SourceArn=missing)["Code"] == "ResourceNotFoundException"
    assert c.list_message_move_tasks(SourceArn=arn_of(c, dlq))["Results"] == []
    assert error(c.cancel_message_move_task, TaskHandle="not-a-handle")["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("max_receives", [1, 3])
def test_dead_letter_counts_are_exact(server, max_receives):
    c, src, dlq = with_dlq(server, max_receives=max_receives)
    c.send_message(QueueUrl=src, MessageBody="m")
    for _ in range(max_receives):
        assert bodies(receive(c, src, VisibilityTimeout=0)) == ["m"]
    assert receive(c, src, VisibilityTimeout=0) == []
    assert bodies(receive(c, dlq)) == ["m"]
