"""State and helpers shared by the SQS operations."""

from __future__ import annotations

import time
from typing import Any

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.runtime.timers import Timers
from eventyard.runtime.wakeups import Wakeups
from eventyard.services.sqs import access, attributes, errors, urls
from eventyard.services.sqs.in_flight_limit import max_in_flight
from eventyard.services.sqs.upkeep import Upkeep
from eventyard.store import Session, Store
from eventyard.store.messages import READY_KIND
from eventyard.store.queues import QueueRecord

# Queue records are cached briefly: AWS too takes up to 60 s to propagate attribute
# changes. Units of work that depend on the latest state re-read the queue by id.
_CACHE_SECONDS = 1.0
_CACHE_MAX = 10_000


class SqsBase:
    def __init__(self, store: Store, wakeups: Wakeups | None = None, timers: Timers | None = None) -> None:
        self.store = store
        self.wakeups = (wakeups or Wakeups()).keyed(READY_KIND)  # long polls, by queue id
        self.upkeep = Upkeep(store, self.wakeups, timers)  # a periodic job of ``timers``
        self._queues: dict[tuple[str, str, str], tuple[float, QueueRecord]] = {}
        self._settings: dict[tuple[int, int], attributes.QueueSettings] = {}
        self.max_in_flight = max_in_flight()
        self._in_flight_seen: dict[int, tuple[float, int]] = {}  # queue id -> (counted at, count + received since)

    # -- queues --------------------------------------------------------------------
    async def _queue(self, ctx: RequestContext, queue_url: str) -> QueueRecord:
        """The queue a QueueUrl names (any host; see ``urls``), once the caller is shown
        to be allowed ``ctx.operation`` on it."""
        ref = urls.parse_url(queue_url)
        key = (ref.account or ctx.account, ref.region or ctx.region, ref.name)
        hit = self._queues.get(key)
        if hit is not None and hit[0] > time.monotonic():
            access.check(ctx, hit[1])
            return hit[1]
        record = await self.store.read(lambda s: s.queues.get(*key))
        if record is None:
            self._queues.pop(key, None)
            raise errors.queue_not_found()
        if len(self._queues) >= _CACHE_MAX:
            self._queues.clear()
        self._queues[key] = (time.monotonic() + _CACHE_SECONDS, record)
        access.check(ctx, record)
        return record

    def _forget(self, record: QueueRecord) -> None:
        self._queues.pop((record.account_id, record.region, record.name), None)

    @staticmethod
    def _current(s: Session, queue_id: int, *, for_update: bool = False) -> QueueRecord:
        """Inside a unit of work: the queue as committed now (``for_update``: locked, for
        a read-modify-write of its attributes)."""
        record = s.queues.get_by_id(queue_id, for_update=for_update)
        if record is None:
            raise errors.queue_not_found()
        return record

    def settings(self, record: QueueRecord) -> attributes.QueueSettings:
        key = (record.id, record.modified_at)
        found = self._settings.get(key)
        if found is None:
            if len(self._settings) >= _CACHE_MAX:
                self._settings.clear()
            found = self._settings[key] = attributes.settings(record.attributes, fifo=record.fifo)
        return found

    @staticmethod
    def _url(ctx: RequestContext, record: QueueRecord) -> str:
        return urls.queue_url(ctx, record.region, record.account_id, record.name)

    @staticmethod
    def _sender(ctx: RequestContext) -> str:
        return ctx.access_key or ctx.account

    @staticmethod
    def _drop_none(out: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in out.items() if v is not None}
