"""kill -9 under load with ``--workers 2``: first one worker (its supervisor starts
another), then the whole group (the supervisor; its workers die with it). After a
restart every acknowledged send that was not deleted is delivered, and no acknowledged
delete comes back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from _clients import client
from _scaffold import SERVER_GONE, Load, delete_batch
from _server import ServerProcess
from _waiting import PATIENCE, wait_until
from _workers import worker_pids

pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

PRODUCERS = 3
ACCOUNT = "123456789014"


@pytest.fixture
def worker_group(store_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(store_url, log_path=tmp_path / "server.log", extra_args=["--workers", "2"]).start()
    yield proc
    proc.stop()


def test_nothing_acknowledged_is_lost_when_workers_and_the_group_are_killed(worker_group):
    server = worker_group
    assert server.proc is not None
    sqs = client("sqs", server.url, account=ACCOUNT)
    standard = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    fifo = sqs.create_queue(QueueName="work.fifo", Attributes={
        "FifoQueue": "true", "VisibilityTimeout": "2"})["QueueUrl"]
    sent: dict[str, set[str]] = {standard: set(), fifo: set()}
    deleted: set[str] = set()
    maybe_deleted: set[str] = set()  # a delete a crash cut off: it may have committed
    load = Load()
    lock = load.lock

    def producer(n: int) -> None:
        i = 0
        while not load.stop.is_set():
            c = client("sqs", server.url, account=ACCOUNT)  # new connections: to either worker
            for _ in range(5):
                for url in (standard, fifo):
                    entries = [{"Id": str(k), "MessageBody": f"{url[-4:]}-{n}-{i}-{k}", "MessageGroupId": f"g{n}",
                                **({"MessageDeduplicationId": f"{n}-{i}-{k}"} if url == fifo else {})}
                               for k in range(10)]
                    try:
                        out = c.send_message_batch(QueueUrl=url, Entries=entries)
                    except SERVER_GONE:
                        continue  # that worker died under us: not acknowledged
                    ok = {s["Id"] for s in out["Successful"]}
                    with lock:
                        sent[url] |= {e["MessageBody"] for e in entries if e["Id"] in ok}
                i += 1

    def consumer() -> None:
        turn = 0
        c = client("sqs", server.url, account=ACCOUNT)
        while not load.stop.is_set():
            url = (standard, fifo)[turn % 2]
            turn += 1
            try:
                got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                drop = got[len(got) // 2:]  # the rest stays in flight, to come back later
                if drop:
                    with lock:
                        maybe_deleted.update(m["Body"] for m in drop)
                    acknowledged = delete_batch(c, url, drop)
                    with lock:
                        deleted.update(m["Body"] for m in acknowledged)
            except SERVER_GONE:
                c = client("sqs", server.url, account=ACCOUNT)

    def acknowledged() -> int:
        with lock:
            return len(sent[standard]) + len(sent[fifo])

    for n in range(PRODUCERS):
        load.start(partial(producer, n))
    load.start(consumer)

    wait_until(lambda: acknowledged() >= 300, what="the load to build up")
    workers = worker_pids(server.proc.pid)
    assert len(workers) == 2, server.log()
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: (lambda now: len(now) == 2 and victim not in now)(worker_pids(server.proc.pid)),
               what="the supervisor to replace the killed worker")
    after_first = acknowledged()
    load.kill9_when(server, lambda: len(sent[standard]) + len(sent[fifo]) >= after_first + 300
                    and len(deleted) >= 40, within=PATIENCE)
    assert acknowledged() >= after_first + 300 and len(deleted) >= 40, server.log()
    for pid in workers - {victim}:
        wait_until(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), what=f"worker {pid} to die")

    server.start()
    c = client("sqs", server.url, account=ACCOUNT)
    delivered: dict[str, set[str]] = {standard: set(), fifo: set()}
    visible_again = time.monotonic() + 2.5  # messages in flight at the crash come back after their 2 s
    for url in (standard, fifo):
        while True:
            got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if not got:
                if time.monotonic() > visible_again:
                    break
                continue
            delivered[url] |= {m["Body"] for m in got}
            delete_batch(c, url, got)
    for url in (standard, fifo):
        missing = sent[url] - maybe_deleted - delivered[url]
        assert not missing, f"lost {len(missing)} acknowledged messages: {sorted(missing)[:10]}"
        resurrected = delivered[url] & deleted
        assert not resurrected, f"acknowledged deletes came back: {sorted(resurrected)[:10]}"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
