"""Wake-ups for long polls: a receive waits until a send (or anything else that makes
a message ready) signals its queue, instead of polling the store.

A receiver calls ``watch`` *before* it looks for messages and waits on the returned
``Watch`` only if it found none; a signal between the look and the wait is therefore
never missed. Messages that become ready by themselves (a delay or visibility timeout
running out) are found because the receiver also wakes when the next one is due.

Cross-node seam: on PostgreSQL another node's sends do not reach this process's
``Wakeups``. Until a LISTEN/NOTIFY listener calls ``signal`` for them, receivers
re-check every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import asyncio

RECHECK_SECONDS = 1.0


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
