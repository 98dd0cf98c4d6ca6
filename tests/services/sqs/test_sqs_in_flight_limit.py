"""The in-flight quota: a standard queue with as many received, undeleted messages as the
cap fails ReceiveMessage with OverLimit (AWS: about 120,000); FIFO queues give no error.
The server runs with EVENTYARD_SQS_MAX_IN_FLIGHT=5 so that a test can reach the cap."""

from __future__ import annotations

import pytest

from _sqs import bodies, error, receive, sqs

CAP = 5


@pytest.fixture(scope="module")
def capped(make_server):
    return make_server(env={"EVENTYARD_SQS_MAX_IN_FLIGHT": str(CAP)})


def test_receive_at_the_in_flight_cap_fails_with_over_limit(capped):
    c = sqs(capped)
    url = c.create_queue(QueueName="capped")["QueueUrl"]
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(8)])
    taken = receive(c, url, MaxNumberOfMessages=5, VisibilityTimeout=600)
    assert len(taken) == 5
    err = error(c.receive_message, QueueUrl=url, MaxNumberOfMessages=1)
    assert err["Code"] == "OverLimit"
    assert err["Status"] == 403
    assert str(CAP) in err["Message"]
    # deleting one in-flight message makes room again
    c.delete_message(QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"])
    again = receive(c, url, MaxNumberOfMessages=10, VisibilityTimeout=600)
    assert len(again) >= 1
    assert not set(bodies(again)) & set(bodies(taken))


def test_messages_visible_again_do_not_count(capped):
    c = sqs(capped)
    url = c.create_queue(QueueName="released")["QueueUrl"]
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)])
    taken = receive(c, url, MaxNumberOfMessages=5, VisibilityTimeout=600)
    assert error(c.receive_message, QueueUrl=url)["Code"] == "OverLimit"
    c.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(taken)])
    assert len(receive(c, url, MaxNumberOfMessages=1, VisibilityTimeout=600)) == 1


def test_fifo_queue_at_the_cap_returns_no_error(capped):
    c = sqs(capped)
    url = c.create_queue(QueueName="capped.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"m{i}", "MessageGroupId": f"g{i}", "MessageDeduplicationId": str(i)}
        for i in range(7)])
    assert len(receive(c, url, MaxNumberOfMessages=5, VisibilityTimeout=600)) == 5
    assert len(receive(c, url, MaxNumberOfMessages=5, VisibilityTimeout=600)) == 2
