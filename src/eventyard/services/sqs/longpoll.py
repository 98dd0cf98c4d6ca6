"""Wake-ups for long polls: a receive waits until a send (or anything else that makes
a message ready) signals its queue, instead of polling the store.

A receiver calls ``watch`` *before* it looks for messages and waits on the returned
``Watch`` only if it found none; a signal between the look and the wait is therefore
never missed. Messages that become ready by themselves (a delay or visibility timeout
running out) are found because the receiver also wakes when the next one is due.

Across nodes (PostgreSQL): units of work that make messages ready announce it in their
transaction (``Messages.announce``, sent at commit), and ``attach`` has the store's
listener signal this process's ``Wakeups`` for other nodes' announcements. A receiver
still re-checks every ``recheck_seconds()`` in case a notification was lost (the
listener reconnecting); ``EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS`` sets that interval.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store import Store

RECHECK_SECONDS = 1.0
RECHECK_ENV = "EVENTYARD_SQS_LONG_POLL_RECHECK_SECONDS"


def recheck_seconds() -> float:
    """The fallback re-check interval of a long poll (configurable for tests and tuning)."""
    raw = os.environ.get(RECHECK_ENV)
    try:
        value = float(raw) if raw else RECHECK_SECONDS
    except ValueError:
        return RECHECK_SECONDS
    return value if value > 0 else RECHECK_SECONDS


class Watch:
    def __init__(self, owner: "Wakeups", queue_id: int) -> None:
        self._owner = owner
        self.queue_id = queue_id
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """True when signalled, False on timeout."""
        if timeout <= 0:
            return self._event.is_set()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def close(self) -> None:
        self._owner._forget(self)


class Wakeups:
    """Per-queue sets of waiting receivers in this process."""

    def __init__(self) -> None:
        self._watches: dict[int, set[Watch]] = {}
        self._attached = False

    def attach(self, store: "Store", channel: str) -> None:
        """From the event loop: wake local receivers when another node announces a queue
        on ``channel``. Once per process; the listener thread hands over to the loop."""
        if self._attached:
            return
        loop = asyncio.get_running_loop()
        self._attached = True

        def heard(payload: str) -> None:
            try:
                queue_id = int(payload)
            except ValueError:
                return
            try:
                loop.call_soon_threadsafe(self.signal, queue_id)
            except RuntimeError:
                pass  # the loop has closed: the server is stopping

        store.listen(channel, heard)

    def watch(self, queue_id: int) -> Watch:
        w = Watch(self, queue_id)
        self._watches.setdefault(queue_id, set()).add(w)
        return w

    def signal(self, queue_id: int) -> None:
        for w in self._watches.pop(queue_id, ()):
            w.fire()

    def waiting(self, queue_id: int) -> int:
        return len(self._watches.get(queue_id, ()))

    def _forget(self, w: Watch) -> None:
        watches = self._watches.get(w.queue_id)
        if watches is not None:
            watches.discard(w)
            if not watches:
                del self._watches[w.queue_id]
