"""``StoreLogSink``: the ``LogSink`` other services write their logs through (a function's
invocation lines, for one).

Two ways in. ``append`` is for hot paths (every Lambda invocation): it buffers the events
and returns at once; the buffer is written ``FLUSH_SECONDS`` later (sooner once it holds
``FLUSH_EVENTS`` events) in one unit of work, so a stream of invocations costs one commit
per flush, not one each, and none of it is on the invoker's path. Logs are not
acknowledged data: a crash may lose the last ``FLUSH_SECONDS``; ``close()`` writes the rest,
so a clean shutdown loses none. ``flush()`` waits until everything appended so far is
committed (the Logs API calls it before reading, so this node reads its own writes).
``put`` appends and waits for that commit.

Writes are group-committed: whatever is appended while a write is in flight joins the
next one. Nothing here raises for the caller's data: a write that fails is logged and
dropped, as AWS's agents do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from eventyard.core import clock
from eventyard.services.logs import ingest
from eventyard.services.logs.types import LogEvent
from eventyard.store import Session, Store

log = structlog.get_logger("eventyard.logs")

__all__ = ["FLUSH_EVENTS", "FLUSH_SECONDS", "StoreLogSink"]

FLUSH_SECONDS = 0.1  # how long appended events wait for company before they are written
FLUSH_EVENTS = 2000  # a buffer this full is written at once


@dataclass
class _Pending:
    account_id: str
    region: str
    group: str
    stream: str
    events: list[tuple[int, str]]


class StoreLogSink:
    def __init__(self, store: Store, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._pending: list[_Pending] = []
        self._pending_events = 0
        self._appended = 0  # appends so far, numbered from 1
        self._written = 0  # the number of the last append written (or dropped)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []  # flushes: (append number, done)
        self._timer: asyncio.TimerHandle | None = None
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps tasks weakly

    # -- writing -----------------------------------------------------------------------
    def append(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        """Buffer ``events`` for the stream; written within ``flush_seconds``."""
        if not events:
            return
        self._pending.append(_Pending(account_id, region, group, stream,
                                      [(e.timestamp_ms, e.message) for e in events]))
        self._appended += 1
        self._pending_events += len(events)
        if self._drainer is not None:
            return  # a write is in flight: these join the next one
        if self._pending_events >= FLUSH_EVENTS:
            self._start_drain()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.flush_seconds, self._start_drain)

    async def put(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        """Append and wait until the events are committed."""
        if not events:
            return
        self.append(account_id, region, group, stream, events)
        await self.flush()

    async def flush(self) -> None:
        """Wait until every event appended so far is committed (or dropped, if the store
        refused it); later appends do not hold it up."""
        if self._written >= self._appended:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((self._appended, done))
        self._start_drain()
        await asyncio.shield(done)

    async def close(self) -> None:
        """Write what is buffered (a clean shutdown loses no logs)."""
        await self.flush()

    # -- the writer ------------------------------------------------------------------------
    def _start_drain(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._drainer is None and self._pending:
            self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending, self._pending_events = self._pending, [], 0
                last = self._appended
                await self._write(batch)
                self._written = last
                waiting, self._waiters = self._waiters, []
                for upto, done in waiting:
                    if upto <= last:
                        if not done.done():
                            done.set_result(None)
                    else:
                        self._waiters.append((upto, done))
        finally:
            self._drainer = None

    async def _write(self, batch: list[_Pending]) -> None:
        now = clock.now_ms()
        # one append per stream: a worker's invocations all write to its one stream
        streams: dict[tuple[str, str, str, str], list[tuple[int, str]]] = {}
        for entry in batch:
            streams.setdefault((entry.account_id, entry.region, entry.group, entry.stream), []).extend(entry.events)

        def write(s: Session) -> None:
            for (account_id, region, group, stream), events in streams.items():
                ingest.write(s, account_id, region, group, stream, events, now, create_group=True)

        try:
            await self.store.write(write)
        except Exception:  # never the caller's failure: its events are dropped, as AWS's agents drop them
            log.exception("logs.sink_write_failed", entries=len(batch))
