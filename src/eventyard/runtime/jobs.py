"""Running the durable jobs (``store.jobs``): timers such as a ``Wait`` of a year or a
heartbeat timeout, and next the steps of executions.

A service writes a job in the unit of work that causes it (``s.jobs.add(NewJob(...))``,
with a ``key`` when it may be replaced or cancelled, e.g. by a heartbeat) and ``kick()``s
the runtime after the commit when the job is due soon. The other nodes' job loops are
woken by the unit's commit itself (``store.jobs`` sends ``WAKE_KEY`` through the store's
notifications, which ``runtime.wakeups`` hands to this loop), so a job added on one node
may run at once on any; ``idle_seconds`` only bounds how long a lost notification can
delay it. Workers on every node claim due jobs of the kinds registered here with a lease
(a job whose worker died comes due again when the lease runs out) and hand each to its
handler:

- A **handler** runs one kind of job: ``async run(job) -> Finished | Again | None``.
  ``Finished(apply)`` (or ``None``) drops the row; ``apply(session)``, if given, runs in
  that same unit of work, so what the job produced (a state's output, a timeout's
  failure) is recorded exactly when the job is finished, and not at all if another
  worker took the job over meanwhile. ``Again(due_at, payload)`` makes the job due
  again (the next step of a long job). An exception is retried after a backoff
  (``retry_delay_ms``), with the error kept in the row.

Jobs run at least once: a handler's effects outside its ``apply`` must be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from eventyard.core import clock
from eventyard.runtime.wakeups import Wakeups
from eventyard.store import Session, Store
from eventyard.store.jobs import WAKE_KEY, JobRecord

log = structlog.get_logger("eventyard.jobs")

__all__ = ["Again", "Finished", "JobHandler", "JobRuntime", "retry_delay_ms"]

KICK_KEY = WAKE_KEY  # signalled by kick() here, and by other nodes' new jobs at their commit
MAX_RETRY_DELAY_MS = 300_000


@dataclass(frozen=True)
class Finished:
    """The job is done; ``apply`` runs in the unit of work that drops it."""

    apply: Callable[[Session], None] | None = None


@dataclass(frozen=True)
class Again:
    """The job is due again at ``due_at`` (epoch ms), with ``payload`` if given; ``apply``
    runs in the unit of work that reschedules it."""

    due_at: int
    payload: dict[str, Any] | None = None
    apply: Callable[[Session], None] | None = None


class JobHandler(Protocol):
    def run(self, job: JobRecord) -> Awaitable[Finished | Again | None]: ...


def retry_delay_ms(attempts: int) -> int:
    """After a handler's exception: 1 s, 2 s, 4 s ... at most 5 minutes."""
    return int(min(1000 * 2 ** max(0, attempts - 1), MAX_RETRY_DELAY_MS))


def _now() -> int:
    return int(clock.epoch() * 1000)


class JobRuntime:
    """The job workers of one node: up to ``batch`` jobs claimed and run at a time, each
    leased for ``lease_ms`` (longer than any handler may take). Without registered
    handlers it does not run at all."""

    def __init__(self, store: Store, wakeups: Wakeups | None = None, *, batch: int = 32,
                 lease_ms: int = 120_000, idle_seconds: float = 1.0) -> None:
        self.store = store
        self.wakeups = wakeups or Wakeups()
        self.batch = batch
        self.lease_ms = lease_ms
        self.idle_seconds = idle_seconds  # how often an idle node looks for jobs other nodes made due
        self.handlers: dict[str, JobHandler] = {}
        self._task: asyncio.Task[None] | None = None

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    def kick(self) -> None:
        """A job is due now or soon: look at once instead of at the next idle round."""
        self.wakeups.signal(KICK_KEY)

    def start(self) -> None:
        if self._task is not None or not self.handlers:
            return
        self._task = asyncio.ensure_future(self._loop())
        self._task.set_name("eventyard-jobs")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def run_due(self) -> int:
        """Claim the jobs due now (one batch), run them and record their outcomes; how
        many were claimed."""
        kinds = sorted(self.handlers)
        now = _now()
        claimed = await self.store.write(
            lambda s: s.jobs.claim(kinds, now=now, lease_until=now + self.lease_ms, limit=self.batch))
        if claimed:
            await asyncio.gather(*(self._run(job) for job in claimed))
        return len(claimed)

    async def _loop(self) -> None:
        while True:
            with self.wakeups.watch(KICK_KEY) as kicked:  # before looking: a kick meanwhile is kept
                try:
                    if await self.run_due() >= self.batch:
                        continue
                    pause = await self._until_next_due()
                except Exception:  # the store is unreachable for now: try again later
                    log.exception("jobs.claim_failed")
                    pause = self.idle_seconds
                await kicked.wait(pause)

    async def _until_next_due(self) -> float:
        kinds = sorted(self.handlers)
        due = await self.store.read(lambda s: s.jobs.next_due(kinds))
        if due is None:
            return self.idle_seconds
        return max(0.0, min(self.idle_seconds, (due - _now()) / 1000))

    async def _run(self, job: JobRecord) -> None:
        outcome: Finished | Again | None
        try:
            outcome = await self.handlers[job.kind].run(job)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or an outage: retried, the lease's holder still
            log.exception("jobs.handler_failed", kind=job.kind, job=job.id)
            error = f"{type(exc).__name__}: {exc}"[:1000]
            due = _now() + retry_delay_ms(job.attempts)
            await self.store.write(lambda s: s.jobs.reschedule(job, due_at=due, error=error))
            return
        done: Finished | Again = outcome or Finished()

        def record(s: Session) -> None:
            if isinstance(done, Again):
                held = s.jobs.reschedule(job, due_at=done.due_at, payload=done.payload)
            else:
                held = s.jobs.finish(job)
            if held and done.apply is not None:
                done.apply(s)
            elif not held:
                log.info("jobs.lease_lost", kind=job.kind, job=job.id)

        await self.store.write(record)
