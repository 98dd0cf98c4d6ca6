"""Background upkeep for SQS: retention expiry, purged and deleted queues, expired
FIFO deduplication ids and receive attempts, forgotten queue names, and running
message move tasks.

Every step is a short unit of work over a bounded chunk of rows, so it never holds
the SQLite writer for long whatever the depth of a queue. A round (``run_once``) is a
periodic job of the node's ``runtime.timers``, started with the server. On PostgreSQL
every node runs it; the steps are idempotent and skip rows other nodes hold locked.
"""

from __future__ import annotations

import time
from collections import defaultdict
from functools import partial
from typing import TYPE_CHECKING

from eventyard.core import clock
from eventyard.services.sqs import redrive
from eventyard.store import Session, Store
from eventyard.store.messages import StoredMessage

if TYPE_CHECKING:
    from eventyard.runtime.timers import Timers
    from eventyard.runtime.wakeups import Keyed

JOB_NAME = "sqs-upkeep"
TICK_SECONDS = 0.25
SWEEP_SECONDS = 1.0
SWEEP_BUDGET_SECONDS = 0.25  # per round, so that other writes interleave with a long sweep
CHUNK = 2000
DEDUP_WINDOW_MS = 300_000
DELETED_NAME_MS = 60_000
DEFAULT_MOVE_RATE = 500  # messages per second when a task names none
MOVE_CHUNK = 500


class Upkeep:
    def __init__(self, store: Store, wakeups: "Keyed", timers: "Timers | None" = None) -> None:
        self.store = store
        self.wakeups = wakeups
        self._timers = timers
        if timers is not None:
            timers.every(TICK_SECONDS, JOB_NAME, self.run_once)
        self._last_sweep = 0.0
        self._credit: dict[str, float] = defaultdict(float)  # move task -> messages it may move now
        self._last_tick: dict[str, float] = {}

    def kick(self) -> None:
        """Run the next round now (e.g. a move task just started)."""
        if self._timers is not None:
            self._timers.kick(JOB_NAME)

    async def run_once(self) -> None:
        await self._run_move_tasks()
        if time.monotonic() - self._last_sweep >= SWEEP_SECONDS:
            self._last_sweep = time.monotonic()
            if not await self.sweep():
                self._last_sweep = 0.0  # work is left: go on at the next tick

    # -- sweeping --------------------------------------------------------------------
    async def sweep(self) -> bool:
        """One round of sweeping in chunks, for at most ``SWEEP_BUDGET_SECONDS`` after its
        first chunk; True when nothing was left over. Purged rows are skipped by receives but
        still lie in their index until swept, so they go first and fast."""
        now = clock.now_ms()
        until = time.monotonic() + SWEEP_BUDGET_SECONDS
        chunks = 0

        def may_go_on() -> bool:
            # The first chunk always runs: a round moves on however slow the machine is,
            # so repeated rounds always finish.
            return chunks == 0 or time.monotonic() < until

        for job in await self.store.read(lambda s: s.queues.cleanups(10)):
            done = False
            while not done and may_go_on():
                done = await self.store.write(partial(self._cleanup, job_id=job.id, queue_id=job.queue_id,
                                                      upto=job.upto, dropped=job.dropped))
                chunks += 1
            if not done:
                return False
        while may_go_on():
            touched = await self.store.write(lambda s: self._drop_expired(s, now))
            chunks += 1
            if touched is None:
                break
            for queue_id in touched:
                self.wakeups.signal(queue_id)
        else:
            return False
        await self.store.write(lambda s: s.messages.drop_expired_dedup(now, CHUNK))
        await self.store.write(lambda s: s.messages.drop_expired_attempts(now, CHUNK))
        await self.store.write(lambda s: s.queues.forget_deleted(now - DELETED_NAME_MS))
        return True

    @staticmethod
    def _cleanup(s: Session, job_id: int, queue_id: int, upto: int, dropped: bool) -> bool:
        """Delete one chunk of a purged or deleted queue's rows; True when it is done."""
        if s.messages.drop_queue_messages(queue_id, upto=upto, limit=CHUNK) >= CHUNK:
            return False
        if dropped and s.messages.drop_fifo_state(queue_id, CHUNK) >= CHUNK:
            return False
        s.queues.finish_cleanup(job_id)
        return True

    @staticmethod
    def _drop_expired(s: Session, now: int) -> set[int] | None:
        """Drop a chunk of expired messages; the FIFO queues whose groups changed, or None when done."""
        groups = s.messages.drop_expired(now, CHUNK)
        touched = set()
        for queue_id, group in groups:
            queue = s.queues.get_by_id(queue_id)
            if queue is not None:
                s.messages.refresh_group(queue_id, group, after_id=queue.purged_upto)
                touched.add(queue_id)
        return touched if groups else None

    # -- message move tasks ------------------------------------------------------------
    async def _run_move_tasks(self) -> None:
        tasks = await self.store.read(lambda s: s.queues.running_move_tasks())
        running = {t.task_handle for t in tasks}
        for handle in list(self._last_tick):
            if handle not in running:
                self._last_tick.pop(handle, None)
                self._credit.pop(handle, None)
        for task in tasks:
            tick = time.monotonic()
            elapsed = tick - self._last_tick.get(task.task_handle, tick - TICK_SECONDS)
            self._last_tick[task.task_handle] = tick
            rate = task.max_per_second or DEFAULT_MOVE_RATE
            credit = min(self._credit[task.task_handle] + rate * elapsed, float(rate))
            count = min(int(credit), MOVE_CHUNK)
            if count < 1:
                self._credit[task.task_handle] = credit
                continue
            moved, destinations = await self.store.write(
                partial(self._move_some, handle=task.task_handle, limit=count, now=clock.now_ms())
            )
            self._credit[task.task_handle] = credit - moved
            for queue_id in destinations:
                self.wakeups.signal(queue_id)

    @staticmethod
    def _move_some(s: Session, handle: str, limit: int, now: int) -> tuple[int, set[int]]:
        task = s.queues.move_task(handle)
        if task is None or task.status != "RUNNING":
            return 0, set()
        source = s.queues.get_by_id(task.source_queue_id)
        if source is None:
            s.queues.update_move_task(handle, status="FAILED", failure_reason="AWS.SimpleQueueService.NonExistentQueue")
            return 0, set()
        rows = s.messages.ready(source.id, now=now, after_id=source.purged_upto, limit=limit, upto=task.upto)
        if not rows:
            s.queues.update_move_task(handle, status="COMPLETED")
            return 0, set()
        by_destination: dict[str | None, list[StoredMessage]] = defaultdict(list)
        for row in rows:
            by_destination[task.destination_arn or row.dead_letter_source_arn].append(row)
        moved, destinations = 0, set[int]()
        for arn, group in by_destination.items():
            dest = s.queues.get_by_arn(arn) if arn else None
            if dest is None:
                s.queues.update_move_task(
                    handle, status="FAILED", moved_more=moved, failure_reason="AWS.SimpleQueueService.NonExistentQueue"
                )
                return moved, destinations
            redrive.move(s, group, source, dest, now=now, to_dead_letter=False)
            moved += len(group)
            destinations.add(dest.id)
        s.queues.update_move_task(handle, moved_more=moved)
        return moved, destinations
