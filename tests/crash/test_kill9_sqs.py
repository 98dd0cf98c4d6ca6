"""kill -9 the server while messages are being sent, received and deleted: after a
restart every acknowledged send that was not deleted is delivered again, no
acknowledged delete comes back, and receive counts survived."""

from __future__ import annotations

import time
from functools import partial

import pytest

from _clients import client
from _scaffold import SERVER_GONE, Load, delete_batch
from _waiting import PATIENCE

# a start and a restart, a load that may take a while to build up, and a drain
pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

PRODUCERS = 3


def test_unacknowledged_messages_survive_kill9(restartable_server):
    server = restartable_server
    account = "123456789013"
    sqs = client("sqs", server.url, account=account)
    standard = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    fifo = sqs.create_queue(QueueName="work.fifo", Attributes={
        "FifoQueue": "true", "VisibilityTimeout": "2"})["QueueUrl"]
    sent: dict[str, set[str]] = {standard: set(), fifo: set()}
    deleted: set[str] = set()
    maybe_deleted: set[str] = set()  # a delete the crash cut off: it may have committed
    received_once: dict[str, str] = {}  # body -> queue, received before the crash and never deleted
    load = Load()
    lock = load.lock

    def producer(n: int) -> None:
        c = client("sqs", server.url, account=account)
        i = 0
        while not load.stop.is_set():
            for url in (standard, fifo):
                entries = [{"Id": str(k), "MessageBody": f"{url[-4:]}-{n}-{i}-{k}", "MessageGroupId": f"g{n}",
                            **({"MessageDeduplicationId": f"{n}-{i}-{k}"} if url == fifo else {})}
                           for k in range(10)]
                try:
                    out = c.send_message_batch(QueueUrl=url, Entries=entries)
                except SERVER_GONE:
                    return  # the server died under us: not acknowledged
                with lock:
                    sent[url] |= {e["MessageBody"] for e in entries if e["Id"] in {s["Id"] for s in out["Successful"]}}
            i += 1

    def consumer() -> None:
        c = client("sqs", server.url, account=account)
        turn = 0
        while not load.stop.is_set():
            url = (standard, fifo)[turn % 2]
            turn += 1
            try:
                got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not got:
                    continue
                keep, drop = got[: len(got) // 2], got[len(got) // 2:]
                with lock:
                    for m in keep:
                        received_once[m["Body"]] = url
                if drop:
                    with lock:
                        maybe_deleted.update(m["Body"] for m in drop)
                    acknowledged = delete_batch(c, url, drop)
                    with lock:  # acknowledged deletes only
                        deleted.update(m["Body"] for m in acknowledged)
            except SERVER_GONE:
                return

    for n in range(PRODUCERS):
        load.start(partial(producer, n))
    load.start(consumer)
    load.kill9_when(server, lambda: len(sent[standard]) + len(sent[fifo]) >= 600 and len(deleted) >= 40, within=PATIENCE)
    assert len(deleted) >= 40, server.log()

    server.start()
    c = client("sqs", server.url, account=account)
    counts: dict[str, int] = {}
    delivered: dict[str, set[str]] = {standard: set(), fifo: set()}
    visible_again = time.monotonic() + 2.5  # messages in flight at the crash come back after their 2 s
    for url in (standard, fifo):
        while True:
            got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
            if not got:
                if time.monotonic() > visible_again:
                    break
                continue
            for m in got:
                delivered[url].add(m["Body"])
                counts[m["Body"]] = int(m["Attributes"]["ApproximateReceiveCount"])
            delete_batch(c, url, got)
    for url in (standard, fifo):
        missing = sent[url] - maybe_deleted - delivered[url]
        assert not missing, f"lost {len(missing)} acknowledged messages: {sorted(missing)[:10]}"
        resurrected = delivered[url] & deleted
        assert not resurrected, f"acknowledged deletes came back: {sorted(resurrected)[:10]}"
    survivors = [body for body in received_once if body not in maybe_deleted]
    assert survivors
    assert all(counts[body] >= 2 for body in survivors if body in counts)
