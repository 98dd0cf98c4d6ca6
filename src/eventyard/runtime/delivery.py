"""Delivering the outbox: every pending invocation of a target, at least once.

Services that cause deliveries (EventBridge's ``PutEvents``, SNS's ``Publish``) write one
outbox row per invocation (``store.deliveries``) in the same transaction as the thing
they accept, then ``kick()`` the runtime. The rows live in the durable job table's outbox
lane (``store.jobs``), next to timers and execution steps. Workers on every node claim due
rows with a lease (a claimed row is hidden until the lease runs out, so a node that dies
mid-delivery only delays it), invoke them, and record each outcome, fenced by their claim:
a worker whose lease ran out changes nothing of a row another worker holds now.

Two seams, each registered once per kind:

- A **deliverer** invokes one kind of target (``target_kind``: ``sqs``, ``http``,
  ``events`` ...): ``async deliver(record) -> Failure | Delivered | None``. It reads the
  row's ``target`` (where) and ``payload["body"]`` (what), plus kind-specific keys it
  documents, and returns ``None`` on success, or ``Delivered(result)`` when the
  invocation answered something the origin needs (a task's output, a synchronous
  invocation's answer). An exception counts as a retryable ``InternalException`` failure.
- An **origin** (``"events"``, ``"sns"``) owns the policy around the invocation:
  ``retry_at(record, failure, now) -> int | None`` gives the next attempt's time (epoch
  ms) or ``None`` to give up, and ``give_up(session, record, failure, now)`` dead-letters
  inside the unit of work that drops the row (it must not raise: a failure to dead-letter
  is logged and the row dropped). ``delivered(record, now)`` is told of each success
  (metrics), and ``committed()`` that a unit of work that called ``give_up`` committed
  (e.g. to wake long polls on a dead-letter queue). Origins read their own context from
  ``payload["context"]``. An origin whose deliverers answer also has
  ``apply_result(session, record, result, now)``: it applies ``Delivered.result`` inside
  the unit of work that drops the row, so the answer is recorded exactly when the
  delivery is finished (it must not raise, like ``give_up``). A result for an origin
  without ``apply_result`` is dropped.

A row whose kind has no deliverer yet (a target of a service not built yet) fails with
``NotImplemented`` and follows its origin's retry policy like any other failure.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from eventyard.core import clock
from eventyard.store import Session, Store
from eventyard.store.deliveries import DeliveryRecord

log = structlog.get_logger("eventyard.delivery")

__all__ = ["Delivered", "Deliverer", "DeliveryRuntime", "Failure", "Origin", "ResultOrigin"]


@dataclass(frozen=True)
class Failure:
    """Why an invocation failed: ``code`` and ``message`` as the origin reports them (e.g.
    in a dead-letter message's attributes); ``retryable`` False stops retries at once;
    ``retry_after_ms`` is the least wait the target asked for (an HTTP ``Retry-After``),
    which an origin may honour when it schedules the next attempt."""

    code: str
    message: str
    retryable: bool = True
    retry_after_ms: int | None = None


@dataclass(frozen=True)
class Delivered:
    """A successful invocation's answer, for the origin's ``apply_result``."""

    result: Any


class Deliverer(Protocol):
    def deliver(self, record: DeliveryRecord) -> Awaitable[Failure | Delivered | None]: ...


class Origin(Protocol):
    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None: ...

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None: ...

    def delivered(self, record: DeliveryRecord, now: int) -> None: ...

    def committed(self) -> None: ...


class ResultOrigin(Origin, Protocol):
    def apply_result(self, s: Session, record: DeliveryRecord, result: Any, now: int) -> None: ...


class DeliveryRuntime:
    """The outbox workers of one node.

    At most ``concurrency`` invocations run at once; rows are claimed ``batch`` at a time
    and leased for ``lease_ms`` (longer than any invocation may take: HTTP deliveries
    time out well before). Outcomes are written back in batches, one transaction each.
    """

    def __init__(self, store: Store, *, concurrency: int = 64, batch: int = 64, lease_ms: int = 120_000,
                 idle_seconds: float = 1.0) -> None:
        self.store = store
        self.concurrency = concurrency
        self.batch = batch
        self.lease_ms = lease_ms
        self.idle_seconds = idle_seconds  # how often an idle node looks for rows other nodes made due
        self.deliverers: dict[str, Deliverer] = {}
        self.origins: dict[str, Origin] = {}
        self._wake = asyncio.Event()
        self._slot = asyncio.Event()
        self._outcomes: list[tuple[DeliveryRecord, Failure | Delivered | None]] = []
        self._flush = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # the console's attempt history (--event-history): called in each outcome
        # transaction with (record, outcome, next due or None); None keeps nothing
        self.keep_attempts: Callable[[Session, list[tuple[DeliveryRecord, Failure | Delivered | None, int | None]],
                                      int], None] | None = None

    # -- registration ----------------------------------------------------------------
    def register_deliverer(self, kind: str, deliverer: Deliverer) -> None:
        self.deliverers[kind] = deliverer

    def register_origin(self, name: str, origin: Origin) -> None:
        self.origins[name] = origin

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        if self._tasks:
            return
        self._stopping = False
        self._tasks = [asyncio.create_task(self._claim_loop()), asyncio.create_task(self._flush_loop())]

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._flush.set()
        for task in list(self._inflight):
            task.cancel()
        for task in self._tasks:
            task.cancel()
        for task in [*self._tasks, *self._inflight]:
            with contextlib.suppress(BaseException):
                await task
        self._tasks = []
        # outcomes already known are kept; unfinished rows come due again after their lease
        with contextlib.suppress(Exception):
            await self._write_outcomes()

    def kick(self) -> None:
        """New rows are due now: look at once instead of at the next idle round."""
        self._wake.set()

    # -- the loops -------------------------------------------------------------------
    async def _claim_loop(self) -> None:
        while not self._stopping:
            free = self.concurrency - len(self._inflight)
            if free <= 0:
                self._slot.clear()
                await self._slot.wait()
                continue
            self._wake.clear()
            limit = min(free, self.batch)
            try:
                now = clock.now_ms()
                claimed = await self.store.write(
                    lambda s: s.deliveries.claim(now=now, lease_until=now + self.lease_ms, limit=limit)
                )
            except Exception:  # the store is unreachable for now: try again later
                log.exception("delivery.claim_failed")
                await self._idle(self.idle_seconds)
                continue
            for record in claimed:
                task = asyncio.create_task(self._invoke(record))
                self._inflight.add(task)
                task.add_done_callback(self._done)
            if len(claimed) < limit:
                await self._idle(await self._until_next_due())

    async def _until_next_due(self) -> float:
        try:
            due = await self.store.read(lambda s: s.deliveries.next_due())
        except Exception:
            return self.idle_seconds
        if due is None:
            return self.idle_seconds
        return max(0.0, min(self.idle_seconds, (due - clock.now_ms()) / 1000))

    async def _idle(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):  # asyncio.timeout: see runtime.wakeups
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slot.set()

    async def _invoke(self, record: DeliveryRecord) -> None:
        deliverer = self.deliverers.get(record.target_kind)
        failure: Failure | Delivered | None
        if deliverer is None:
            failure = Failure("NotImplemented", f"eventyard does not deliver to {record.target_kind} targets yet.")
        else:
            try:
                failure = await deliverer.deliver(record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug or an outage in the deliverer: retry later
                log.exception("delivery.deliverer_failed", kind=record.target_kind, delivery=record.id)
                failure = Failure("InternalException", f"{type(exc).__name__}: {exc}")
        self._outcomes.append((record, failure))
        self._flush.set()

    async def _flush_loop(self) -> None:
        while not self._stopping:
            await self._flush.wait()
            self._flush.clear()
            try:
                await self._write_outcomes()
            except Exception:  # rows stay leased and come due again: at least once
                log.exception("delivery.outcome_write_failed")
                await asyncio.sleep(self.idle_seconds)

    async def _write_outcomes(self) -> None:
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        now = clock.now_ms()
        finished: list[DeliveryRecord] = []

        def apply(s: Session) -> None:
            # Each write is fenced by the claim: a row whose lease ran out and which another
            # worker holds now is left to that worker (its result, dead letter or retry).
            plain = []
            kept: list[tuple[DeliveryRecord, Failure | Delivered | None, int | None]] | None = (
                [] if self.keep_attempts is not None else None)
            for record, outcome in outcomes:
                origin = self.origins.get(record.origin)
                if kept is not None and not isinstance(outcome, Failure):
                    kept.append((record, outcome, None))
                if outcome is None:
                    plain.append(record)
                    finished.append(record)
                    continue
                if isinstance(outcome, Delivered):
                    apply_result = getattr(origin, "apply_result", None)
                    if apply_result is None:
                        plain.append(record)
                    elif s.deliveries.finish(record):
                        apply_result(s, record, outcome.result, now)
                    finished.append(record)
                    continue
                due = origin.retry_at(record, outcome, now) if origin is not None and outcome.retryable else None
                if kept is not None:
                    kept.append((record, outcome, due))
                if due is None:
                    if s.deliveries.finish(record) and origin is not None:
                        origin.give_up(s, record, outcome, now)
                else:
                    s.deliveries.reschedule(record, due_at=due, error=f"{outcome.code}: {outcome.message}")
            s.deliveries.finish_all(plain)
            if kept and self.keep_attempts is not None:
                self.keep_attempts(s, kept, now)

        await self.store.write(apply)
        for registered in self.origins.values():
            registered.committed()
        for record in finished:
            origin = self.origins.get(record.origin)
            if origin is not None:
                origin.delivered(record, now)
        self._wake.set()  # rescheduled rows may be due sooner than the loop thinks
