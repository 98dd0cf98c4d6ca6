"""What every kill -9 test does: put a server under load from client threads, kill -9 it
once enough work was acknowledged, restart it on the same store, then read back.

- ``Load``: the client threads, their lock and stop flag, and ``kill9_when(...)``;
- ``SERVER_GONE``: what a client call raises when the server dies under it (the call
  was then never acknowledged);
- ``drain``: after the restart, read queues until each holds what it must, or give up;
- ``delete_batch``: delete what a receive returned.

The servers come from the ``restartable_server`` and ``leased_server`` fixtures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

SERVER_GONE = (ClientError, BotoCoreError, OSError)


class Load:
    """Client threads that write until told to stop; ``lock`` guards what they record."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, worker: Callable[[], None]) -> None:
        thread = threading.Thread(target=worker)
        self.threads.append(thread)
        thread.start()

    def kill9_when(self, server: Any, enough: Callable[[], bool], *, within: float) -> None:
        """Once ``enough()`` holds (checked under ``lock``), or after ``within`` seconds,
        kill -9 ``server`` in the middle of the load, then stop the threads and wait for them."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                if enough():
                    break
            time.sleep(0.01)
        server.kill()
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def delete_batch(sqs: Any, url: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deletes ``messages``; returns those whose deletes the server acknowledged (on a busy
    machine a FIFO message's visibility may run out before its delete, whose entry fails)."""
    out = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(messages)])
    done = {e["Id"] for e in out.get("Successful", [])}
    return [m for k, m in enumerate(messages) if str(k) in done]


def drain(sqs: Any, urls: Mapping[str, str], expected: Mapping[str, set[str]],
          read: Callable[[str, dict[str, Any]], tuple[str, str | None]],
          *, seconds: float) -> tuple[dict[str, set[str]], set[str]]:
    """Receive and delete from each queue in ``urls`` until it has given every key of
    ``expected[queue]``, or ``seconds`` passed. ``read(queue, message)`` gives the
    message's key and the id it carries (or None). Returns the keys delivered per queue
    and every id seen."""
    delivered: dict[str, set[str]] = {name: set() for name in urls}
    ids_seen: set[str] = set()
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up and any(expected[q] - delivered[q] for q in urls):
        for name, url in urls.items():
            if not expected[name] - delivered[name]:
                continue
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for m in got:
                key, message_id = read(name, m)
                delivered[name].add(key)
                if message_id is not None:
                    ids_seen.add(message_id)
            if got:
                delete_batch(sqs, url, got)
    return delivered, ids_seen
