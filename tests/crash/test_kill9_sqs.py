"""kill -9 the server while messages are being sent, received and deleted: after a
restart every acknowledged send that was not deleted is delivered again, no
acknowledged delete comes back, and receive counts survived."""

from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from _clients import client
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
    lock = threading.Lock()
    stop = threading.Event()

    def producer(n: int) -> None:
        c = client("sqs", server.url, account=account)
        i = 0
        while not stop.is_set():
            for url in (standard, fifo):
                entries = [{"Id": str(k), "MessageBody": f"{url[-4:]}-{n}-{i}-{k}", "MessageGroupId": f"g{n}",
                            **({"MessageDeduplicationId": f"{n}-{i}-{k}"} if url == fifo else {})}
                           for k in range(10)]
                try:
                    out = c.send_message_batch(QueueUrl=url, Entries=entries)
                except (ClientError, BotoCoreError, OSError):
                    return  # the server died under us: not acknowledged
                with lock:
                    sent[url] |= {e["MessageBody"] for e in entries if e["Id"] in {s["Id"] for s in out["Successful"]}}
            i += 1

    def consumer() -> None:
        c = client("sqs", server.url, account=account)
        turn = 0
        while not stop.is_set():
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
                    out = c.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(drop)])
                    # acknowledged deletes only: on a busy machine a FIFO message's 2 s may run
                    # out before its delete, whose entry then fails
                    done = {e["Id"] for e in out.get("Successful", [])}
                    with lock:
                        deleted.update(m["Body"] for k, m in enumerate(drop) if str(k) in done)
            except (ClientError, BotoCoreError, OSError):
                return

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(PRODUCERS)]
    threads.append(threading.Thread(target=consumer))
    for t in threads:
        t.start()
    deadline = time.monotonic() + PATIENCE  # the load is built as soon as it is there
    while time.monotonic() < deadline:
        with lock:
            if len(sent[standard]) + len(sent[fifo]) >= 600 and len(deleted) >= 40:
                break
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
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
            c.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)])
    for url in (standard, fifo):
        missing = sent[url] - maybe_deleted - delivered[url]
        assert not missing, f"lost {len(missing)} acknowledged messages: {sorted(missing)[:10]}"
        resurrected = delivered[url] & deleted
        assert not resurrected, f"acknowledged deletes came back: {sorted(resurrected)[:10]}"
    survivors = [body for body in received_once if body not in maybe_deleted]
    assert survivors
    assert all(counts[body] >= 2 for body in survivors if body in counts)
