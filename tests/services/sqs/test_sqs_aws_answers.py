"""SQS where AWS's recorded answers (moto's and localstack's suites recorded against AWS)
differ from eventyard's earlier reading of the documentation: FIFO groups, delays and
deduplication, validation, permissions, and what ReceiveMessage returns, on both backends."""

from __future__ import annotations

import json

from _sqs import bodies, error, receive, sqs


def fifo(server, name="q.fifo", **attributes):
    c = sqs(server)
    url = c.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]
    return c, url


def send(c, url, body, group="g", dedup=None, **kw):
    return c.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                          MessageDeduplicationId=dedup or body, **kw)


def count(c, url, name):
    return int(c.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])


# -- FIFO ----------------------------------------------------------------------------------
def test_head_made_visible_again_frees_its_group(server):
    c, url = fifo(server)
    for i in range(3):
        send(c, url, f"m{i}")
    m0, m1 = receive(c, url, MaxNumberOfMessages=2, VisibilityTimeout=300)
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m0["ReceiptHandle"], VisibilityTimeout=0)
    # the group is receivable again; the receive stops at m1, still in flight
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["m0"]
    assert receive(c, url, MaxNumberOfMessages=10) == []


def test_per_message_delay_of_zero_takes_the_fifo_queues_delay(server):
    c, url = fifo(server, DelaySeconds="900")
    send(c, url, "later", DelaySeconds=0)
    assert receive(c, url) == []
    assert count(c, url, "ApproximateNumberOfMessagesDelayed") == 1


def test_purge_forgets_deduplication_ids(server):
    c, url = fifo(server)
    first = send(c, url, "m", dedup="d")
    c.purge_queue(QueueUrl=url)
    second = send(c, url, "m", dedup="d")
    assert second["MessageId"] != first["MessageId"]
    [m] = receive(c, url)
    assert m["MessageId"] == second["MessageId"]


def test_switching_to_high_throughput_keeps_deduplicating(server):
    c, url = fifo(server)
    first = send(c, url, "a", dedup="d")
    c.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup",
                                                     "FifoThroughputLimit": "perMessageGroupId"})
    again = send(c, url, "b", dedup="d")
    assert again["MessageId"] == first["MessageId"]
    out = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "x", "MessageBody": "c", "MessageGroupId": "g", "MessageDeduplicationId": "d"}])
    assert out["Successful"][0]["MessageId"] == first["MessageId"]
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["a"]


def test_fifo_batch_without_group_or_deduplication_id_fails_whole(server):
    c, url = fifo(server)
    whole = {"MessageBody": "ok", "MessageGroupId": "g", "MessageDeduplicationId": "d1"}
    err = error(c.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "a", **whole}, {"Id": "b", "MessageBody": "x", "MessageDeduplicationId": "d2"}])
    assert (err["Code"], err["Status"]) == ("InvalidParameterValue", 400)
    assert err["Message"] == "The request must contain the parameter MessageGroupId."
    err = error(c.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "a", **whole}, {"Id": "b", "MessageBody": "x", "MessageGroupId": "g"}])
    assert (err["Code"], err["Status"]) == ("InvalidParameterValue", 400)
    assert err["Message"] == ("The queue should either have ContentBasedDeduplication enabled or "
                              "MessageDeduplicationId provided explicitly")
    assert receive(c, url, MaxNumberOfMessages=10) == []
