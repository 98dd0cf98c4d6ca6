"""Reading the recent events kept per bus (``--event-history``): the console's live
tail and event pages. AWS has no such operation; the caller reads its own account's buses."""

from __future__ import annotations

from eventyard.core import arns
from eventyard.core.identity import RequestContext
from eventyard.services.events.put_events import EventRouter
from eventyard.store import Store
from eventyard.store.event_history import KeptEvent

MAX_PAGE = 200


class RecentEvents:
    def __init__(self, store: Store, router: EventRouter) -> None:
        self.store = store
        self.router = router

    @property
    def kept_per_bus(self) -> int:
        """How many events each bus keeps (0: the history is off)."""
        return self.router.history_per_bus

    async def recent(self, ctx: RequestContext, bus: str, *, after: int = 0, before: int | None = None,
                     limit: int = 50) -> list[KeptEvent]:
        """The newest kept events of the caller's bus past the cursor ``after``, newest first."""
        arn = arns.build("events", ctx.region, ctx.account, f"event-bus/{bus}")
        limit = max(1, min(limit, MAX_PAGE))
        return await self.store.read(lambda s: s.event_history.recent(arn, after_id=after, before_id=before,
                                                                      limit=limit))

    async def get(self, ctx: RequestContext, bus: str, row_id: int) -> KeptEvent | None:
        arn = arns.build("events", ctx.region, ctx.account, f"event-bus/{bus}")
        return await self.store.read(lambda s: s.event_history.get(arn, row_id))

    async def find(self, ctx: RequestContext, event_id: str) -> list[KeptEvent]:
        """The caller's kept events with this id (on any of its buses in its region)."""
        prefix = arns.build("events", ctx.region, ctx.account, "event-bus/")
        return await self.store.read(lambda s: s.event_history.find(event_id, prefix))
