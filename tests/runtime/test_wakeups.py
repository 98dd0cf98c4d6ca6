"""Wake-ups: a waiter watches a key, a signal on this node or a committed ``wake`` on
another node (two stores on one database) fires it; the fallback re-check interval."""

from __future__ import annotations

import asyncio

import pytest

from eventyard.runtime import wakeups as wakeups_module
from eventyard.runtime.wakeups import Wakeups
from eventyard.store import Session, Store, open_store
from eventyard.store.notifications import wake

GENEROUS = 30.0  # seconds: only a broken wake-up waits this long


def test_a_signal_fires_the_watches_of_its_key_only() -> None:
    async def scenario() -> None:
        w = Wakeups()
        a1, a2, b = w.watch("q:1"), w.watch("q:1"), w.watch("q:2")
        assert w.waiting("q:1") == 2
        w.signal("q:1")
        assert a1.fired and a2.fired and not b.fired
        assert await a1.wait(GENEROUS) is True
        assert w.waiting("q:1") == 0  # a signal consumes the watches it fires
        b.close()
        assert w.waiting("q:2") == 0

    asyncio.run(scenario())


def test_a_signal_between_watch_and_wait_is_not_missed() -> None:
    async def scenario() -> None:
        w = Wakeups()
        with w.watch("k") as watch:
            w.signal("k")  # the waiter is still looking for its work
            assert await watch.wait(GENEROUS) is True
        assert w.waiting("k") == 0

    asyncio.run(scenario())


def test_wait_returns_false_on_timeout_and_forgets_the_waiter() -> None:
    async def scenario() -> None:
        w = Wakeups()
        assert await w.wait("k", 0.01) is False
        assert w.waiting("k") == 0

    asyncio.run(scenario())


def test_wait_returns_true_when_signalled_from_another_task() -> None:
    async def scenario() -> None:
        w = Wakeups()
        waiter = asyncio.create_task(w.wait("k", GENEROUS))
        while not w.waiting("k"):
            await asyncio.sleep(0)
        w.signal("k")
        assert await waiter is True

    asyncio.run(scenario())


def test_keyed_wakeups_build_the_store_key() -> None:
    async def scenario() -> None:
        w = Wakeups()
        queues = w.keyed("sqs-queue")
        watch = queues.watch(42)
        assert watch.key == "sqs-queue:42" and queues.waiting(42) == 1
        w.signal("sqs-queue:42")
        assert watch.fired

    asyncio.run(scenario())


def test_fallback_seconds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in wakeups_module.FALLBACK_ENVS:
        monkeypatch.delenv(name, raising=False)
    assert wakeups_module.fallback_seconds() == wakeups_module.FALLBACK_SECONDS
    monkeypatch.setenv("EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS", "7")
    assert wakeups_module.fallback_seconds() == 7.0
    monkeypatch.setenv("EVENTYARD_WAKEUP_FALLBACK_SECONDS", "3")
    assert wakeups_module.fallback_seconds() == 3.0
    monkeypatch.setenv("EVENTYARD_WAKEUP_FALLBACK_SECONDS", "nonsense")
    assert wakeups_module.fallback_seconds() == wakeups_module.FALLBACK_SECONDS


def _wake(kind: str, ident: object):
    def unit(s: Session) -> None:
        wake(s, kind, ident)
    return unit


@pytest.mark.usefixtures("other_node")
def test_a_wake_committed_on_another_node_fires_the_watch(fresh_postgres_url: str) -> None:
    """Two stores on one PostgreSQL database stand for two nodes."""
    listening = open_store(fresh_postgres_url)
    other = open_store(fresh_postgres_url)
    try:
        async def scenario() -> None:
            w = Wakeups()
            w.start(listening)
            # The listener subscribes asynchronously: keep waking until it hears one.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            while True:
                with w.keyed("activity").watch("a1") as watch:
                    await other.write(_wake("activity", "a1"))
                    if await watch.wait(0.2) or loop.time() > deadline:
                        break
            assert watch.fired

        asyncio.run(scenario())
    finally:
        other.close()
        listening.close()


@pytest.mark.usefixtures("other_node")
def test_a_wake_rolled_back_is_not_sent(fresh_postgres_url: str) -> None:
    listening = open_store(fresh_postgres_url)
    other = open_store(fresh_postgres_url)
    try:
        async def scenario() -> None:
            w = Wakeups()
            w.start(listening)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            while True:  # first make sure the listener hears committed wakes
                with w.watch("ready:1") as watch:
                    await other.write(_wake("ready", 1))
                    if await watch.wait(0.2) or loop.time() > deadline:
                        break
            assert watch.fired

            def failing(s: Session) -> None:
                wake(s, "ready", 2)
                raise RuntimeError("rolled back")

            with w.watch("ready:2") as rolled_back, w.watch("ready:3") as committed:
                with pytest.raises(RuntimeError):
                    await other.write(failing)
                await other.write(_wake("ready", 3))  # notifications arrive in commit order
                assert await committed.wait(GENEROUS)
                assert not rolled_back.fired

        asyncio.run(scenario())
    finally:
        other.close()
        listening.close()


def test_on_sqlite_start_listens_to_nothing_and_local_signals_work(tmp_path) -> None:
    from _stores import sqlite_url
    store: Store = open_store(sqlite_url(tmp_path))
    try:
        async def scenario() -> None:
            w = Wakeups()
            w.start(store)
            w.start(store)  # once per node
            await store.write(_wake("k", 1))  # nothing sent: this node signals itself
            with w.keyed("k").watch(1) as watch:
                w.keyed("k").signal(1)
                assert await watch.wait(GENEROUS)

        asyncio.run(scenario())
    finally:
        store.close()
