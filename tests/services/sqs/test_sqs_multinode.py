"""Two ``eventyard serve`` nodes on one PostgreSQL database share SQS queues: no
message is handed out twice, FIFO groups stay ordered, long polls are woken by other
nodes' sends through LISTEN/NOTIFY.

The nodes run with the long poll's fallback re-check set to an hour, and the long polls
below wait up to 20 s through a client that gives up reading after 15 s: a poll that
returns the other node's message at all was woken by the notification (without it, the
server would answer only at the 20 s deadline, after the client gave up)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from botocore.config import Config

from _clients import client
from _server import ServerProcess

ACCOUNT = "999988887776"


@pytest.fixture
def nodes(fresh_postgres_url, tmp_path):
    env = {"EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS": "3600"}
    started = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log", env=env) for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: n.start(), started))
    yield started
    for node in started:
        node.stop()


def drain(url: str, node: ServerProcess, seen: list[str], lock: threading.Lock) -> None:
    c = client("sqs", node.url, account=ACCOUNT)
    idle = 0
    while idle < 2:
        got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            idle += 1
            continue
        idle = 0
        with lock:
            seen.extend(m["Body"] for m in got)
        c.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                      for i, m in enumerate(got)])


def test_consumers_on_two_nodes_never_share_a_message(nodes):
    a = client("sqs", nodes[0].url, account=ACCOUNT)
    url = a.create_queue(QueueName="shared")["QueueUrl"]
    for n in range(30):
        a.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"{n}-{i}"} for i in range(10)])
    seen: list[str] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=drain, args=(url, nodes[i % 2], seen, lock)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen)) == 300


def test_fifo_groups_stay_ordered_across_nodes(nodes):
    a = client("sqs", nodes[0].url, account=ACCOUNT)
    url = a.create_queue(QueueName="shared.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for i in range(10):
        a.send_message_batch(QueueUrl=url, Entries=[
            {"Id": f"g{g}", "MessageBody": f"{g}:{i}", "MessageGroupId": f"g{g}", "MessageDeduplicationId": f"{g}:{i}"}
            for g in range(5)])
    seen: list[str] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=drain, args=(url, nodes[i % 2], seen, lock)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted(f"{g}:{i}" for g in range(5) for i in range(10))
    for g in range(5):
        assert [int(b.split(":")[1]) for b in seen if b.startswith(f"{g}:")] == list(range(10))


def poller(node: ServerProcess) -> object:
    """A client that stops reading after 15 s, before the long polls' 20 s WaitTimeSeconds end
    (and long after a notification takes, even on a busy machine)."""
    import boto3

    return boto3.session.Session().client(
        "sqs", endpoint_url=node.url, region_name="us-east-1", aws_access_key_id=ACCOUNT,
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=15),
    )


def _later(seconds: float, fn) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        fn()

    t = threading.Thread(target=run)
    t.start()
    return t


def test_long_poll_on_one_node_is_woken_by_a_send_on_the_other(nodes):
    a = client("sqs", nodes[0].url, account=ACCOUNT)
    b = poller(nodes[1])
    url = a.create_queue(QueueName="poll")["QueueUrl"]
    assert b.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    sender = _later(0.5, lambda: a.send_message(QueueUrl=url, MessageBody="hello from a"))
    try:
        got = b.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
    finally:
        sender.join()
    assert [m["Body"] for m in got] == ["hello from a"]


def test_fifo_long_poll_is_woken_when_another_node_deletes_the_blocking_message(nodes):
    a = client("sqs", nodes[0].url, account=ACCOUNT)
    b = poller(nodes[1])
    url = a.create_queue(QueueName="blocked.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for i in range(2):
        a.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}")
    first = a.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"]
    assert [m["Body"] for m in first] == ["m0"]
    deleter = _later(0.5, lambda: a.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"]))
    try:
        got = b.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
    finally:
        deleter.join()
    assert [m["Body"] for m in got] == ["m1"]


def test_event_delivered_to_a_queue_on_one_node_wakes_a_long_poll_on_the_other(nodes):
    events = client("events", nodes[0].url, account=ACCOUNT)
    a = client("sqs", nodes[0].url, account=ACCOUNT)
    b = poller(nodes[1])
    url = a.create_queue(QueueName="events-target")["QueueUrl"]
    arn = a.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="to-queue", EventPattern='{"source": ["multinode.test"]}')
    events.put_targets(Rule="to-queue", Targets=[{"Id": "q", "Arn": arn}])
    publisher = _later(0.5, lambda: events.put_events(Entries=[
        {"Source": "multinode.test", "DetailType": "Ping", "Detail": '{"n": 1}'}]))
    try:
        got = b.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
    finally:
        publisher.join()
    assert len(got) == 1
    assert json.loads(got[0]["Body"])["detail"] == {"n": 1}
