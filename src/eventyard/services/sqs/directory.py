"""Finding queues: the queue a QueueUrl names (cached briefly, access checked), and a
queue's settings parsed once per version of its attributes."""

from __future__ import annotations

import time

from eventyard.core.identity import RequestContext
from eventyard.services.sqs import access, attributes, errors, urls
from eventyard.store import Session, Store
from eventyard.store.queues import QueueRecord

# Queue records are cached briefly: AWS too takes up to 60 s to propagate attribute
# changes. Units of work that depend on the latest state re-read the queue by id.
_CACHE_SECONDS = 1.0
_CACHE_MAX = 10_000


class QueueDirectory:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queues: dict[tuple[str, str, str], tuple[float, QueueRecord]] = {}
        self._settings: dict[tuple[int, int], attributes.QueueSettings] = {}

    async def find(self, ctx: RequestContext, queue_url: str) -> QueueRecord:
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

    def forget(self, record: QueueRecord) -> None:
        """Drop the cached record (after the queue changed)."""
        self._queues.pop((record.account_id, record.region, record.name), None)

    def settings(self, record: QueueRecord) -> attributes.QueueSettings:
        key = (record.id, record.modified_at)
        found = self._settings.get(key)
        if found is None:
            if len(self._settings) >= _CACHE_MAX:
                self._settings.clear()
            found = self._settings[key] = attributes.settings(record.attributes, fifo=record.fifo)
        return found


def latest(s: Session, queue_id: int, *, for_update: bool = False) -> QueueRecord:
    """Inside a unit of work: the queue as committed now (``for_update``: locked, for a
    read-modify-write of its attributes)."""
    record = s.queues.get_by_id(queue_id, for_update=for_update)
    if record is None:
        raise errors.queue_not_found()
    return record


def queue_url(ctx: RequestContext, record: QueueRecord) -> str:
    return urls.queue_url(ctx, record.region, record.account_id, record.name)


def sender_id(ctx: RequestContext) -> str:
    """SenderId of what the caller sends."""
    return ctx.access_key or ctx.account
