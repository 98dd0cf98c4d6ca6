"""Looking at a queue's messages without receiving them (the console's peek).

AWS has no such operation: its console polls, which raises each message's receive count
and can push it into the dead-letter queue. Here a peek reads the rows as they are and
changes nothing; the caller must be allowed to receive from the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.services.sqs.directory import QueueDirectory
from eventyard.store import Store
from eventyard.store.messages import StoredMessage

MAX_PEEK = 100  # messages per page


@dataclass(frozen=True)
class PeekedMessage:
    position: int  # the cursor of the next page starts after this one
    message_id: str
    body: str
    attributes: dict[str, Any]  # message attributes as SendMessage took them
    state: str  # visible | in flight | delayed
    receive_count: int
    sent_at: int  # epoch ms
    visible_at: int
    group_id: str | None
    sender_id: str
    dead_letter_source_arn: str | None


@dataclass(frozen=True)
class PeekPage:
    messages: list[PeekedMessage]
    next_position: int | None  # the cursor of the next page, if there may be one


class MessagePeek:
    def __init__(self, store: Store, directory: QueueDirectory) -> None:
        self.store = store
        self.directory = directory

    async def messages(self, ctx: RequestContext, queue_url: str, *, containing: str | None = None,
                       after: int = 0, limit: int = 20) -> PeekPage:
        """Up to ``limit`` messages in the order sent, after the cursor ``after``."""
        record = await self.directory.find(replace(ctx, operation="ReceiveMessage"), queue_url)
        limit = max(1, min(limit, MAX_PEEK))
        now = clock.now_ms()
        rows = await self.store.read(lambda s: s.messages.peek(
            record.id, now=now, after_id=record.purged_upto, from_id=after, limit=limit + 1, containing=containing or None))
        more = len(rows) > limit
        shown = [_peeked(row, now) for row in rows[:limit]]
        return PeekPage(shown, shown[-1].position if more and shown else None)


def _peeked(row: StoredMessage, now: int) -> PeekedMessage:
    if row.visible_at <= now:
        state = "visible"
    else:
        state = "in flight" if row.receive_count > 0 else "delayed"
    return PeekedMessage(row.id, row.message_id, row.body, orjson.loads(row.attributes) if row.attributes else {},
                         state, row.receive_count, row.sent_at, row.visible_at, row.group_id, row.sender_id,
                         row.dead_letter_source_arn)
