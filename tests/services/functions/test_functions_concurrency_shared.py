"""Lambda's concurrency limits hold across server processes and nodes of one store (both
backends): each process here is a ``SharedConcurrency`` with its own holder id on the
same store; reserved concurrency and the account's limit count every process's
invocations, and a crashed process's slots come free when its leases expire."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eventyard.core import clock
from eventyard.services.functions.concurrency import ACCOUNT_EXCEEDED, RESERVED_EXCEEDED, SharedConcurrency
from eventyard.store import Store, open_store

A, R = "123456789012", "us-east-1"


def test_reserved_concurrency_counts_every_process(store: Store, store_url: str) -> None:
    """The second process has a store of its own on the same URL (its own connections)."""
    second = open_store(store_url)
    one, two = SharedConcurrency(store, "node-1", linger_s=0), SharedConcurrency(second, "node-2", linger_s=0)

    async def scenario() -> list[str | None]:
        seen = [await one.enter(A, R, "fn", 3), await one.enter(A, R, "fn", 3), await two.enter(A, R, "fn", 3)]
        seen.append(await two.enter(A, R, "fn", 3))  # the fourth, anywhere: throttled
        seen.append(await one.enter(A, R, "fn", 3))
        await one.leave(A, R, "fn", 3)
        seen.append(await two.enter(A, R, "fn", 3))  # the slot node-1 gave back
        seen.append(await two.enter(A, R, "other", 3))  # another function has its own
        return seen

    try:
        assert asyncio.run(scenario()) == [None, None, None, RESERVED_EXCEEDED, RESERVED_EXCEEDED, None, None]
    finally:
        second.close()


def test_the_accounts_limit_counts_every_process(store: Store) -> None:
    one, two = (SharedConcurrency(store, f"node-{n}", account_limit=20, linger_s=0) for n in (1, 2))

    async def scenario() -> tuple[list[str | None], list[str | None]]:
        firsts = [await one.enter(A, R, f"f{i}", None) for i in range(12)]
        seconds = [await two.enter(A, R, f"g{i}", None) for i in range(9)]
        return firsts, seconds

    firsts, seconds = asyncio.run(scenario())
    assert firsts == [None] * 12
    # node-1 leased a chunk of 16: node-2 gets the 4 left, never more than 20 in all
    assert seconds == [None] * 4 + [ACCOUNT_EXCEEDED] * 5


def test_a_crashed_processs_slots_come_free_when_its_lease_expires(store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    now = [clock.epoch()]
    monkeypatch.setattr(clock, "epoch", lambda: now[0])
    crashed, alive, other = (SharedConcurrency(store, name, lease_ms=30_000, linger_s=0) for name in ("gone", "alive", "late"))

    async def scenario() -> list[Any]:
        seen: list[Any] = [await crashed.enter(A, R, "fn", 2), await alive.enter(A, R, "fn", 2),
                           await other.enter(A, R, "fn", 2)]
        now[0] += 20
        await alive.renew()  # alive renews; the crashed one never will
        now[0] += 20
        seen.append(await other.enter(A, R, "fn", 2))  # the crashed one's slot, past its lease
        seen.append(await other.enter(A, R, "fn", 2))  # alive's is still held
        return seen

    assert asyncio.run(scenario()) == [None, None, RESERVED_EXCEEDED, None, RESERVED_EXCEEDED]


def test_a_lowered_reservation_holds_at_once_though_slots_linger(store: Store) -> None:
    node = SharedConcurrency(store, "n", linger_s=3600)

    async def scenario() -> list[str | None]:
        assert await node.enter(A, R, "fn", 3) is None
        await node.leave(A, R, "fn", 3)  # its slot lingers here
        return [await node.enter(A, R, "fn", 0), await node.enter(A, R, "off", 0)]

    assert asyncio.run(scenario()) == [RESERVED_EXCEEDED, RESERVED_EXCEEDED]


class CountingWrites:
    def __init__(self, store: Store) -> None:
        self.store, self.writes = store, 0

    async def write(self, fn: Any) -> Any:
        self.writes += 1
        return await self.store.write(fn)


def test_a_slot_given_back_lingers_a_moment_for_the_next_invocation(store: Store) -> None:
    """A busy function reuses its leased slot: no store write per invocation; the slot
    goes back to the store a moment after the last one, for any process to take."""
    counting = CountingWrites(store)
    lingering = SharedConcurrency(counting, "busy", linger_s=3600)  # type: ignore[arg-type]
    brief = SharedConcurrency(store, "brief", linger_s=0.01)
    other = SharedConcurrency(store, "other", linger_s=0)

    async def scenario() -> tuple[int, str | None, str | None]:
        for _ in range(20):
            assert await lingering.enter(A, R, "busy", 1) is None
            await lingering.leave(A, R, "busy", 1)
        leased_writes, while_lingering = counting.writes, await other.enter(A, R, "busy", 1)
        assert await brief.enter(A, R, "brief", 1) is None
        await brief.leave(A, R, "brief", 1)
        deadline = asyncio.get_running_loop().time() + 60
        later = await other.enter(A, R, "brief", 1)
        while later is not None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            later = await other.enter(A, R, "brief", 1)
        return leased_writes, while_lingering, later

    leased_writes, while_lingering, later = asyncio.run(scenario())
    assert leased_writes == 2  # the function's slot and the account's chunk, once each
    assert while_lingering == RESERVED_EXCEEDED
    assert later is None  # given back once it lingered
