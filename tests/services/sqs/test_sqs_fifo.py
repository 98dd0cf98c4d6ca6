"""FIFO queues through boto3: group ordering, in-flight groups blocked, deduplication,
sequence numbers, ReceiveRequestAttemptId and FIFO's rules, on both backends."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest

from _sqs import bodies, error, receive, sqs

ALL = ["All"]
LONGEST_POLL = 20  # seconds: SQS's longest WaitTimeSeconds


def fifo(server, name="q.fifo", **attributes):
    c = sqs(server)
    url = c.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]
    return c, url


def send(c, url, body, group="g", dedup=None, **kw):
    return c.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                          MessageDeduplicationId=dedup or body, **kw)


def delete_all(c, url, messages):
    for m in messages:
        c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_order_within_a_group_and_blocked_groups(server):
    c, url = fifo(server)
    for i in range(5):
        send(c, url, f"a{i}", group="a")
    for i in range(2):
        send(c, url, f"b{i}", group="b")
    first = receive(c, url, MaxNumberOfMessages=3)
    assert bodies(first) == ["a0", "a1", "a2"]  # as many of one group as asked for
    # group a is in flight: only b is offered, in order
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["b0", "b1"]
    assert receive(c, url, MaxNumberOfMessages=10) == []
    # deleting part of a's in-flight messages does not free the group
    delete_all(c, url, first[:2])
    assert receive(c, url) == []
    delete_all(c, url, first[2:])
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["a3", "a4"]


def test_expired_visibility_redelivers_in_order(server):
    c, url = fifo(server)
    for i in range(3):
        send(c, url, f"m{i}")
    received = time.monotonic()
    assert bodies(receive(c, url, MaxNumberOfMessages=2, VisibilityTimeout=1)) == ["m0", "m1"]
    # the group is blocked while they are in flight; on a busy machine their 1 s may run
    # out before this look, which then gets m0 again (and gives it straight back)
    early = receive(c, url, VisibilityTimeout=0)
    assert early == [] or (bodies(early) == ["m0"] and time.monotonic() - received >= 1)
    again = receive(c, url, MaxNumberOfMessages=10, WaitTimeSeconds=LONGEST_POLL,
                    AttributeNames=["ApproximateReceiveCount"])
    assert bodies(again) == ["m0", "m1", "m2"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["3" if early else "2", "2", "1"]


def test_change_visibility_frees_the_group(server):
    c, url = fifo(server)
    send(c, url, "m0")
    send(c, url, "m1")
    [m0] = receive(c, url)
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m0["ReceiptHandle"], VisibilityTimeout=0)
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["m0", "m1"]


def test_sequence_numbers_strictly_increase(server):
    c, url = fifo(server)
    seqs = [int(send(c, url, f"m{i}", group=f"g{i % 3}")["SequenceNumber"]) for i in range(6)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    batch = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"b{i}", "MessageGroupId": "g0", "MessageDeduplicationId": f"b{i}"} for i in range(3)])
    batch_seqs = [int(e["SequenceNumber"]) for e in batch["Successful"]]
    assert batch_seqs == sorted(batch_seqs) and batch_seqs[0] > seqs[-1]
    got = receive(c, url, MaxNumberOfMessages=10, AttributeNames=["SequenceNumber", "MessageGroupId"])
    assert all(len(m["Attributes"]["SequenceNumber"]) == 20 for m in got)
    g0 = [m for m in got if m["Attributes"]["MessageGroupId"] == "g0"]
    assert bodies(g0) == ["m0", "m3", "b0", "b1", "b2"]


def test_deduplication_is_remembered_after_delete(server):
    c, url = fifo(server)
    first = send(c, url, "once", dedup="d-1")
    dup = send(c, url, "once again", dedup="d-1")
    assert dup["MessageId"] == first["MessageId"] and dup["SequenceNumber"] == first["SequenceNumber"]
    got = receive(c, url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])
    assert bodies(got) == ["once"] and got[0]["Attributes"]["MessageDeduplicationId"] == "d-1"
    delete_all(c, url, got)
    send(c, url, "after delete", dedup="d-1")
    assert receive(c, url) == []


def test_content_based_deduplication(server):
    c, url = fifo(server, ContentBasedDeduplication="true")
    a = c.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = c.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g",
                       MessageAttributes={"x": {"DataType": "String", "StringValue": "attributes do not count"}})
    assert a["MessageId"] == b["MessageId"]
    # an explicit id overrides the generated one
    c.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g", MessageDeduplicationId="explicit")
    got = receive(c, url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])
    assert [m["Attributes"]["MessageDeduplicationId"] for m in got] == [
        hashlib.sha256(b"same").hexdigest(), "explicit"]


def test_deduplication_scope_message_group(server):
    c, url = fifo(server, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    send(c, url, "a", group="g1", dedup="same")
    send(c, url, "b", group="g2", dedup="same")  # another group: not a duplicate
    send(c, url, "c", group="g1", dedup="same")  # duplicate within g1
    assert sorted(bodies(receive(c, url, MaxNumberOfMessages=10))) == ["a", "b"]


def test_batch_keeps_order_and_dedups_within_it(server):
    c, url = fifo(server)
    out = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d1"},
        {"Id": "2", "MessageBody": "y", "MessageGroupId": "g", "MessageDeduplicationId": "d2"},
        {"Id": "3", "MessageBody": "x again", "MessageGroupId": "g", "MessageDeduplicationId": "d1"},
    ])
    ok = {e["Id"]: e for e in out["Successful"]}
    assert set(ok) == {"1", "2", "3"} and ok["3"]["MessageId"] == ok["1"]["MessageId"]
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["x", "y"]


def test_fifo_rules(server):
    c, url = fifo(server)
    err = error(c.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert err["Code"] == "MissingParameter" and err["Message"] == "The request must contain the parameter MessageGroupId."
    err = error(c.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == ("The queue should either have ContentBasedDeduplication enabled or "
                              "MessageDeduplicationId provided explicitly")
    err = error(send, c, url, "x", DelaySeconds=5)
    assert err["Code"] == "InvalidParameterValue" and "not valid for this queue type" in err["Message"]
    send(c, url, "zero delay is fine", dedup="zero-delay", DelaySeconds=0)
    for parameter in ("MessageGroupId", "MessageDeduplicationId"):
        kwargs = {"MessageGroupId": "g", "MessageDeduplicationId": "d", parameter: "bad id with spaces" + "x" * 120}
        err = error(c.send_message, QueueUrl=url, MessageBody="x", **kwargs)
        assert err["Code"] == "InvalidParameterValue" and parameter in err["Message"]


def test_queue_delay_applies_to_fifo(server):
    c, url = fifo(server, DelaySeconds="1")
    sent = time.monotonic()
    send(c, url, "later")
    # hidden while its 1 s runs (on a busy machine this look may come later, and gives it back)
    assert receive(c, url, VisibilityTimeout=0) == [] or time.monotonic() - sent >= 1
    assert bodies(receive(c, url, WaitTimeSeconds=LONGEST_POLL)) == ["later"]


def test_earlier_and_expired_handles_on_fifo(server):
    c, url = fifo(server)
    send(c, url, "m")
    [old] = receive(c, url, VisibilityTimeout=0)
    # not in flight: its handle has expired
    for call, kwargs in ((c.delete_message, {}), (c.change_message_visibility, {"VisibilityTimeout": 5})):
        err = error(call, QueueUrl=url, ReceiptHandle=old["ReceiptHandle"], **kwargs)
        assert err["Code"] == "InvalidParameterValue" and err["Message"].endswith("The receipt handle has expired.")
    [new] = receive(c, url)
    # in flight again: the earlier handle works as the new one does (AWS, recorded)
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"], VisibilityTimeout=60)
    c.delete_message(QueueUrl=url, ReceiptHandle=old["ReceiptHandle"])
    c.delete_message(QueueUrl=url, ReceiptHandle=new["ReceiptHandle"])  # gone: a success
    assert receive(c, url) == []


def test_receive_request_attempt_id_returns_the_same_messages(server):
    c, url = fifo(server)
    for i in range(3):
        send(c, url, f"m{i}", group=f"g{i}")
    first = receive(c, url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
    retry = receive(c, url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
    assert [m["ReceiptHandle"] for m in retry] == [m["ReceiptHandle"] for m in first]
    assert bodies(retry) == ["m0", "m1"]
    # another attempt id is a new receive
    assert bodies(receive(c, url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="attempt-2")) == ["m2"]
    # once a message of the attempt changed, the retry is a new receive
    c.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert receive(c, url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1") == []
    err = error(c.receive_message, QueueUrl=url, ReceiveRequestAttemptId="x" * 129)
    assert err["Code"] == "InvalidParameterValue"


def test_concurrent_consumers_keep_group_order(server):
    c, url = fifo(server)
    groups, per_group = 4, 10
    for i in range(per_group):
        c.send_message_batch(QueueUrl=url, Entries=[
            {"Id": f"g{g}", "MessageBody": f"{g}:{i}", "MessageGroupId": f"g{g}", "MessageDeduplicationId": f"{g}:{i}"}
            for g in range(groups)])
    seen: dict[str, list[int]] = {f"{g}": [] for g in range(groups)}
    lock = threading.Lock()
    failures: list[BaseException] = []

    def consumer() -> None:
        client = sqs(server, account=url.split("/")[-2])
        try:
            idle = 0
            while idle < 3:
                got = receive(client, url, MaxNumberOfMessages=3, WaitTimeSeconds=0)
                if not got:
                    idle += 1
                    continue
                idle = 0
                with lock:  # record before deleting: the next of the group cannot be out yet
                    for m in got:
                        g, i = m["Body"].split(":")
                        seen[g].append(int(i))
                client.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)])
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert seen == {f"{g}": list(range(per_group)) for g in range(groups)}


@pytest.mark.parametrize("attributes", [{"FifoThroughputLimit": "perMessageGroupId"},
                                        {"DeduplicationScope": "everything"}])
def test_high_throughput_attribute_rules(server, attributes):
    c = sqs(server)
    err = error(c.create_queue, QueueName="h.fifo", Attributes={"FifoQueue": "true", **attributes})
    assert err["Code"] == "InvalidAttributeValue"
