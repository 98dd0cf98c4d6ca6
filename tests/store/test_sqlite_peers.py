"""SQLite worker processes of one ``serve --workers N`` group tell each other what their
commits made ready (``store.peers``); here two stores in one process stand for two workers."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from _waiting import wait_until
from eventyard.store import Session, open_store
from eventyard.store.notifications import WAKE_CHANNEL, wake
from eventyard.store.peers import PeerGroup
from eventyard.store.sqlite import SQLiteStore


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[SQLiteStore, SQLiteStore]]:
    url = f"sqlite:///{tmp_path / 'yard.db'}"
    name = f"test-{secrets.token_hex(4)}"
    a, b = (open_store(url, peers=PeerGroup(name, i, 2)) for i in range(2))
    assert isinstance(a, SQLiteStore) and isinstance(b, SQLiteStore)
    yield a, b
    a.close()
    b.close()


def heard_on(store: SQLiteStore) -> list[str]:
    heard: list[str] = []
    lock = threading.Lock()

    def hear(payload: str) -> None:
        with lock:
            heard.append(payload)

    store.listen(WAKE_CHANNEL, hear)
    return heard


def test_a_commit_wakes_the_other_worker_not_itself(workers):
    a, b = workers
    heard_by_a, heard_by_b = heard_on(a), heard_on(b)
    a.write_sync(lambda s: wake(s, "sqs-queue", 7))
    wait_until(lambda: heard_by_b == ["sqs-queue:7"], what="b to hear a's wake-up")
    b.write_sync(lambda s: wake(s, "sqs-queue", 8))
    wait_until(lambda: heard_by_a == ["sqs-queue:8"], what="a to hear b's wake-up")
    assert heard_by_b == ["sqs-queue:7"]


def test_a_failed_unit_sends_nothing_and_its_group_still_does(workers):
    a, b = workers
    heard = heard_on(b)

    def fails(s: Session) -> None:
        wake(s, "sqs-queue", "failed")
        raise RuntimeError("rolled back")

    failing = a.submit_write(fails)
    a.write_sync(lambda s: wake(s, "sqs-queue", "committed"))
    with pytest.raises(RuntimeError):
        failing.result()
    wait_until(lambda: "sqs-queue:committed" in heard, what="the committed unit's wake-up")
    # the peer's inbox is read in order: a marker sent after proves nothing else is coming
    a.write_sync(lambda s: wake(s, "sqs-queue", "marker"))
    wait_until(lambda: "sqs-queue:marker" in heard, what="the marker")
    assert "sqs-queue:failed" not in heard


def test_a_store_alone_posts_nothing(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'yard.db'}") as store:
        assert store.write_sync(lambda s: s.posted) is None
