"""Lambda's concurrency limits (a function's reserved concurrency, the account's limit)
held across every server process and node of one store.

Each process leases slots of a scope from the store (``store.functions.lease_slots``)
and runs at most as many invocations of that scope as it holds; the store never grants
more than the limit over all unexpired leases. To keep the store off the hot path a
process leases in chunks and keeps a few spare slots: the account's scope in chunks of
``ACCOUNT_CHUNK`` (so a warm node writes nothing per invocation), a function's in chunks
of 1/16 of its reserved concurrency (at least one). Spare slots are given back once a
whole chunk is idle, ``LINGER_SECONDS`` later unless an invocation took them again
meanwhile: a process holds at most a chunk minus one it does not use (and, for that
moment, a chunk more), so other processes may be throttled that much early, never let
past the limit. A busy function thus leases and gives back in bursts, not per
invocation; one invoked now and then pays two store writes per invocation (measured in
the README's Lambda section).

Leases last ``LEASE_MS`` and are renewed every ``RENEW_SECONDS`` while the process lives;
a crashed process's slots come free when its leases expire.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from eventyard.core import clock, ids

if TYPE_CHECKING:
    from eventyard.store import Store

ACCOUNT_LIMIT = 1000
ACCOUNT_CHUNK = 16
LEASE_MS = 30_000
RENEW_SECONDS = 5.0
LINGER_SECONDS = 0.05

RESERVED_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_EXCEEDED = "ConcurrentInvocationLimitExceeded"


def function_scope(account: str, region: str, name: str) -> str:
    return f"function:{account}:{region}:{name}"


def account_scope(account: str) -> str:
    return f"account:{account}"


def function_chunk(reserved: int) -> int:
    return max(1, reserved // 16)


class SharedConcurrency:
    def __init__(self, store: "Store", holder: str | None = None, *, account_limit: int = ACCOUNT_LIMIT,
                 lease_ms: int = LEASE_MS, linger_s: float = LINGER_SECONDS) -> None:
        self.store = store
        self.holder = holder or ids.uuid4()  # this process
        self.account_limit = account_limit
        self.lease_ms = lease_ms
        self.held: dict[str, int] = {}  # scope -> slots leased
        self.running: dict[str, int] = {}  # scope -> invocations running here
        self._locks: dict[str, asyncio.Lock] = {}
        self.linger_s = linger_s
        self._lingering: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def enter(self, account: str, region: str, name: str, reserved: int | None) -> str | None:
        """Take a slot of the function (if it has reserved concurrency) and one of its
        account for one invocation; None, or the throttling ``Reason``."""
        scope = None
        if reserved is not None:
            scope = function_scope(account, region, name)
            if not await self._take(scope, reserved, function_chunk(reserved)):
                return RESERVED_EXCEEDED
        if not await self._take(account_scope(account), self.account_limit, ACCOUNT_CHUNK):
            if scope is not None:
                await self._give(scope, function_chunk(reserved or 0))
            return ACCOUNT_EXCEEDED
        return None

    async def leave(self, account: str, region: str, name: str, reserved: int | None) -> None:
        """The invocation ``enter`` let in has ended."""
        await self._give(account_scope(account), ACCOUNT_CHUNK)
        if reserved is not None:
            await self._give(function_scope(account, region, name), function_chunk(reserved))

    async def renew(self) -> None:
        """Keep this process's leases alive (a timer, every ``RENEW_SECONDS``)."""
        held = {scope: slots for scope, slots in self.held.items() if slots > 0}
        if held:
            expires = clock.now_ms() + self.lease_ms
            await self.store.write(lambda s: s.functions.renew_slots(self.holder, held, expires))

    # -- one scope -----------------------------------------------------------------------
    def _try_local(self, scope: str, limit: int) -> bool:
        running = self.running.get(scope, 0)
        if running < self.held.get(scope, 0) and running < limit:  # a lowered limit holds at once
            self.running[scope] = running + 1
            return True
        return False

    async def _take(self, scope: str, limit: int, chunk: int) -> bool:
        if self._try_local(scope, limit):  # the hot path: a slot already leased
            return True
        if limit <= 0:
            return False
        async with self._lock(scope):
            if self._try_local(scope, limit):
                return True
            want = self.running.get(scope, 0) + chunk - self.held.get(scope, 0)
            now = clock.now_ms()
            granted = await self.store.write(lambda s: s.functions.lease_slots(
                scope, self.holder, want, limit, now, now + self.lease_ms))
            self.held[scope] = self.held.get(scope, 0) + granted
            return self._try_local(scope, limit)

    async def _give(self, scope: str, chunk: int) -> None:
        self.running[scope] = max(0, self.running.get(scope, 0) - 1)
        if self.held.get(scope, 0) - self.running[scope] < chunk:
            return  # less than a chunk idle: kept for the next invocations
        if self.linger_s <= 0:
            await self._give_back(scope, chunk)
        elif scope not in self._lingering:  # given back a moment later, unless used again by then
            self._lingering.add(scope)
            task = asyncio.get_running_loop().create_task(self._give_back_later(scope, chunk))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _give_back_later(self, scope: str, chunk: int) -> None:
        try:
            await asyncio.sleep(self.linger_s)
        finally:
            self._lingering.discard(scope)
        await self._give_back(scope, chunk)

    async def _give_back(self, scope: str, chunk: int) -> None:
        async with self._lock(scope):
            running, held = self.running.get(scope, 0), self.held.get(scope, 0)
            keep = running + chunk - 1 if chunk > 1 else running
            if held <= keep:
                return
            # lowered before the write: an invocation entering meanwhile sees only what is kept
            self.held[scope] = keep
            await self.store.write(lambda s: s.functions.keep_slots(scope, self.holder, keep))

    def _lock(self, scope: str) -> asyncio.Lock:
        lock = self._locks.get(scope)
        if lock is None:
            lock = self._locks[scope] = asyncio.Lock()
        return lock
