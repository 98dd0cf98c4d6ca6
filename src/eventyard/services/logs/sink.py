"""``StoreLogSink``: the ``LogSink`` other services write their logs through (a function's
invocation lines, for one).

Writes are group-committed: every ``put`` made while a write is in flight joins the next
one, so a burst of invocations costs a few units of work, not one each. ``put`` returns
once its events are committed (a test or a tail sees them right after), and never raises
for the caller's data: a write that fails is logged and dropped, as AWS's agents do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from eventyard.core import clock
from eventyard.services.logs import ingest
from eventyard.services.logs.types import LogEvent
from eventyard.store import Session, Store

log = structlog.get_logger("eventyard.logs")

__all__ = ["StoreLogSink"]


@dataclass
class _Pending:
    account_id: str
    region: str
    group: str
    stream: str
    events: list[tuple[int, str]]
    done: asyncio.Future[None] = field(repr=False, default_factory=lambda: asyncio.get_running_loop().create_future())


class StoreLogSink:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[_Pending] = []
        self._draining = False
        self._drainer: asyncio.Future[None] | None = None

    async def put(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        if not events:
            return
        entry = _Pending(account_id, region, group, stream, [(e.timestamp_ms, e.message) for e in events])
        self._pending.append(entry)
        if not self._draining:
            self._draining = True
            self._drainer = asyncio.ensure_future(self._drain())  # held: the loop keeps tasks weakly
        await asyncio.shield(entry.done)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._write(batch)
        finally:
            self._draining = False

    async def _write(self, batch: list[_Pending]) -> None:
        now = clock.now_ms()

        def write(s: Session) -> None:
            for entry in batch:
                ingest.write(s, entry.account_id, entry.region, entry.group, entry.stream, entry.events, now,
                             create_group=True)

        try:
            await self.store.write(write)
        except Exception:  # never the caller's failure: its events are dropped, as AWS's agents drop them
            log.exception("logs.sink_write_failed", entries=len(batch))
        for entry in batch:
            if not entry.done.done():
                entry.done.set_result(None)
