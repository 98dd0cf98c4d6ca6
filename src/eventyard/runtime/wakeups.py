"""Wake-ups: a waiter sleeps until something it waits for may have happened, on this
node or another, instead of polling the store.

A key names what is waited for (``"sqs-queue:42"``, and next an activity, a function,
a task token); ``Keyed`` builds the keys of one kind from ids. A waiter calls ``watch``
*before* it looks for its work and waits on the returned ``Watch`` only if it found
none; a ``signal`` between the look and the wait is therefore never missed. Signals are
hints, not messages: a woken waiter looks again, and a waiter also wakes after its
timeout, so work that becomes due by itself (a delay running out) is found too.

Across nodes: a unit of work that makes something ready calls ``store.notifications.wake``
with its key, sent when (and only if) the unit commits; ``start`` has the store's
listener signal this node's waiters for other nodes' keys. A notification can be lost
while the listener reconnects, so waiters re-check every ``fallback_seconds()``
(``EVENTYARD_WAKEUP_FALLBACK_SECONDS``; the older ``EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS``
is read too). On SQLite every writer is in this process, which signals itself.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from eventyard.store import StoreError
from eventyard.store.notifications import WAKE_CHANNEL

if TYPE_CHECKING:
    from eventyard.store import Store

__all__ = ["FALLBACK_SECONDS", "Keyed", "Wakeups", "Watch", "fallback_seconds"]

FALLBACK_SECONDS = 1.0
FALLBACK_ENVS = ("EVENTYARD_WAKEUP_FALLBACK_SECONDS", "EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS")


def fallback_seconds() -> float:
    """How often a waiter re-checks without a signal (configurable for tests and tuning)."""
    for name in FALLBACK_ENVS:
        raw = os.environ.get(name)
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            return FALLBACK_SECONDS
        return value if value > 0 else FALLBACK_SECONDS
    return FALLBACK_SECONDS


class Watch:
    """One waiter's interest in one key, from ``watch`` until ``close`` (or the end of a
    ``with`` block). A signal fires it once; a watch is not re-armed."""

    def __init__(self, owner: "Wakeups", key: str) -> None:
        self._owner = owner
        self.key = key
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()

    @property
    def fired(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout: float) -> bool:
        """True when signalled, False on timeout."""
        if timeout <= 0:
            return self._event.is_set()
        # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation that
        # meets a wake-up, and a stopping loop then waits out its whole idle period
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self._owner._forget(self)

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Wakeups:
    """The waiters of this node, by key. Used from the event loop only; other threads
    (the store's listener) hand over with ``call_soon_threadsafe``."""

    def __init__(self) -> None:
        self._watches: dict[str, set[Watch]] = {}
        self._listening = False

    def start(self, store: "Store") -> None:
        """From the event loop: wake local waiters when another node's unit of work
        commits a ``wake``. Once per node; later calls do nothing."""
        if self._listening:
            return
        loop = asyncio.get_running_loop()

        def heard(key: str) -> None:
            try:
                loop.call_soon_threadsafe(self.signal, key)
            except RuntimeError:
                pass  # the loop has closed: the server is stopping

        try:
            store.listen(WAKE_CHANNEL, heard)
        except StoreError:
            return  # the store is closing
        self._listening = True

    def watch(self, key: str) -> Watch:
        w = Watch(self, key)
        self._watches.setdefault(key, set()).add(w)
        return w

    def signal(self, key: str) -> None:
        for w in self._watches.pop(key, ()):
            w.fire()

    async def wait(self, key: str, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a signal of ``key``; True when one came. Only
        for waiters with nothing to look at first: others ``watch`` before they look."""
        with self.watch(key) as w:
            return await w.wait(timeout)

    def waiting(self, key: str) -> int:
        return len(self._watches.get(key, ()))

    def keyed(self, kind: str) -> "Keyed":
        return Keyed(self, kind)

    def _forget(self, w: Watch) -> None:
        watches = self._watches.get(w.key)
        if watches is not None:
            watches.discard(w)
            if not watches:
                del self._watches[w.key]


class Keyed:
    """The wake-ups of one kind of thing, by id: ``keyed("sqs-queue").signal(42)`` is
    ``signal("sqs-queue:42")``, the key ``store.notifications.wake_key`` builds."""

    __slots__ = ("kind", "wakeups")

    def __init__(self, wakeups: Wakeups, kind: str) -> None:
        self.wakeups = wakeups
        self.kind = kind

    def key(self, ident: object) -> str:
        return f"{self.kind}:{ident}"

    def watch(self, ident: object) -> Watch:
        return self.wakeups.watch(f"{self.kind}:{ident}")

    def signal(self, ident: object) -> None:
        self.wakeups.signal(f"{self.kind}:{ident}")

    async def wait(self, ident: object, timeout: float) -> bool:
        return await self.wakeups.wait(f"{self.kind}:{ident}", timeout)

    def waiting(self, ident: object) -> int:
        return self.wakeups.waiting(f"{self.kind}:{ident}")
