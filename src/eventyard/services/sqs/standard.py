"""Standard queues: receives as units of work, and what they share with FIFO."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventyard.services.sqs import receipts, redrive
from eventyard.services.sqs.attributes import QueueSettings
from eventyard.store import Session
from eventyard.store.messages import StoredMessage
from eventyard.store.queues import QueueRecord


@dataclass
class Claim:
    """What one receive attempt got."""

    messages: list[StoredMessage]  # as they are after this receive
    next_ready_at: int | None = None  # when nothing was ready: when something will be (epoch ms)
    moved_to: set[int] = field(default_factory=set)  # dead-letter queues that got messages


def split_for_dead_letter(row: StoredMessage, settings: QueueSettings, dead_letter: QueueRecord | None) -> bool:
    """True when this receive would exceed maxReceiveCount: the message moves instead."""
    return (dead_letter is not None and settings.redrive is not None
            and row.receive_count >= settings.redrive.max_receive_count)


def received_now(row: StoredMessage, *, now: int, visible_at: int, token: str) -> StoredMessage:
    """The row as this receive leaves it (built directly: ``dataclasses.replace`` is slow
    enough to show in a profile at thousands of messages per second)."""
    return StoredMessage(
        row.id, row.queue_id, row.message_id, row.body, row.attributes, row.attributes_md5, row.system_attributes,
        row.system_attributes_md5, row.sender_id, row.sent_at, visible_at, row.expires_at, row.receive_count + 1,
        row.first_received_at or now, now, token, row.group_id, row.dedup_id, row.seq, row.dead_letter_source_arn,
    )


def claim(s: Session, queue: QueueRecord, settings: QueueSettings, *, limit: int, visibility: int,
          now: int) -> Claim:
    rows = s.messages.ready(queue.id, now=now, after_id=queue.purged_upto, limit=limit)
    dead_letter = redrive.target(s, settings)
    over = [r for r in rows if split_for_dead_letter(r, settings, dead_letter)]
    moved_to: set[int] = set()
    if over and dead_letter is not None:
        redrive.move(s, over, queue, dead_letter, now=now, to_dead_letter=True)
        moved_to.add(dead_letter.id)
        rows = [r for r in rows if not split_for_dead_letter(r, settings, dead_letter)]
    token = receipts.new_token()
    visible_at = now + visibility * 1000
    s.messages.mark_received([r.id for r in rows], now=now, visible_at=visible_at, receipt_token=token)
    taken = [received_now(r, now=now, visible_at=visible_at, token=token) for r in rows]
    next_ready = None if taken else s.messages.next_visible_at(queue.id, now, fifo=False)
    return Claim(taken, next_ready, moved_to)
