"""The background jobs of a node that are not deliveries: periodic work (SQS upkeep,
SNS deduplication expiry, EventBridge schedules, replays and archive sweeps) and one-off
work taken off a request's path (an OAuth token, the SNS signing key). Services register
their jobs here when they are built; the server starts and stops all of them at once.
Services create no asyncio tasks of their own.

- ``every(seconds, name, job)``: ``job()`` runs at start and then ``seconds`` after each
  run ends, or at once when ``kick(name)`` is called (during a run too: the run after it
  follows at once). A run that fails is logged; the next one comes at its period.
- ``at_start(name, job)``: ``job()`` runs once when the node starts.
- ``soon(name, job)``: ``job()`` runs once now, in the background (from the event loop).

Jobs that must happen once across nodes make sure of it in the store (a row moved in the
same transaction as the work), not here: every node runs every periodic job.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from eventyard.runtime.wakeups import Wakeups
from eventyard.store import StoreError

log = structlog.get_logger("eventyard.timers")

__all__ = ["Job", "Timers"]

Job = Callable[[], Awaitable[object]]


class Timers:
    def __init__(self, wakeups: Wakeups | None = None) -> None:
        self._wakeups = wakeups or Wakeups()
        self._periodic: list[tuple[str, float, Job]] = []
        self._at_start: list[tuple[str, Job]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False

    def every(self, seconds: float, name: str, job: Job) -> None:
        self._periodic.append((name, seconds, job))
        if self._started:
            self._spawn(name, self._loop(name, seconds, job))

    def at_start(self, name: str, job: Job) -> None:
        self._at_start.append((name, job))
        if self._started:
            self.soon(name, job)

    def soon(self, name: str, job: Job) -> None:
        self._spawn(name, self._once(name, job))

    def kick(self, name: str) -> None:
        """Run the periodic job ``name`` now rather than at its next period."""
        self._wakeups.signal(_kick_key(name))

    @property
    def running(self) -> int:
        """How many of this node's jobs are running or waiting for their next run."""
        return len(self._tasks)

    def start(self) -> None:
        """From the event loop, once per node."""
        if self._started:
            return
        self._started = True
        for name, seconds, job in self._periodic:
            self._spawn(name, self._loop(name, seconds, job))
        for name, job in self._at_start:
            self.soon(name, job)

    async def stop(self) -> None:
        self._started = False
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def _spawn(self, name: str, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(f"eventyard-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _loop(self, name: str, seconds: float, job: Job) -> None:
        while True:
            # Watched before the run: a kick while it runs brings the next run at once.
            with self._wakeups.watch(_kick_key(name)) as kicked:
                await _run(name, job)
                await kicked.wait(seconds)

    @staticmethod
    async def _once(name: str, job: Job) -> None:
        await _run(name, job)


async def _run(name: str, job: Job) -> None:
    try:
        await job()
    except StoreError:
        log.warning("timer.store_unavailable", job=name)
    except Exception:
        log.exception("timer.job_failed", job=name)


def _kick_key(name: str) -> str:
    return f"timer:{name}"
