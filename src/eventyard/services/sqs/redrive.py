"""Moving messages between queues: into a dead-letter queue on receive, and back out
of it with a message move task. Both run inside the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from eventyard.services.sqs import attributes, errors, urls
from eventyard.store import Session
from eventyard.store.messages import NewMessage, StoredMessage
from eventyard.store.queues import QueueRecord


def check_dead_letter_target(s: Session, source: QueueRecord | None, *, source_arn: str, fifo: bool,
                             policy_text: str) -> None:
    """A RedrivePolicy may only name an existing queue of the same type, account and
    region whose RedriveAllowPolicy admits the source."""
    target_arn = attributes.settings({"RedrivePolicy": policy_text}, fifo=fifo).redrive
    assert target_arn is not None
    arn = target_arn.dead_letter_target_arn
    parsed, own = urls.parse_arn(arn), urls.parse_arn(source_arn)
    if parsed is None or own is None or parsed[:2] != own[:2]:
        raise errors.invalid_value(
            "RedrivePolicy", policy_text, "Dead-letter target must be in the same account and region as the source."
        )
    target = s.queues.get_by_arn(arn)
    if target is None:
        raise errors.invalid_value("RedrivePolicy", policy_text, "Dead-letter target does not exist.")
    if target.fifo != fifo:
        raise errors.invalid_value(
            "RedrivePolicy", policy_text, "Dead-letter queue must be same type of queue as the source."
        )
    if source is not None and target.id == source.id:
        raise errors.invalid_value("RedrivePolicy", policy_text, "A queue cannot be its own dead-letter queue.")
    if not attributes.allows_source(target.attributes, source_arn):
        raise errors.invalid_value(
            "RedrivePolicy", policy_text,
            f"Queue {arn} does not allow {source_arn} to use it as a dead-letter queue (RedriveAllowPolicy).",
        )


def target(s: Session, settings: attributes.QueueSettings) -> QueueRecord | None:
    """The dead-letter queue of a queue's RedrivePolicy, if it (still) exists."""
    if settings.redrive is None:
        return None
    return s.queues.get_by_arn(settings.redrive.dead_letter_target_arn)


def move(s: Session, rows: Sequence[StoredMessage], source: QueueRecord, dest: QueueRecord, *, now: int,
         to_dead_letter: bool) -> None:
    """Move ``rows`` from ``source`` to ``dest``: into a dead-letter queue (receive count
    kept, source ARN recorded) or out of one (a fresh start)."""
    if not rows:
        return
    settings = attributes.settings(dest.attributes, fifo=dest.fifo)
    moved = []
    for row in rows:
        # A standard message keeps its enqueue time (and so its expiry); FIFO restarts it.
        sent_at = now if dest.fifo else row.sent_at
        moved.append(NewMessage(
            message_id=row.message_id, body=row.body, attributes=row.attributes, attributes_md5=row.attributes_md5,
            system_attributes=row.system_attributes, system_attributes_md5=row.system_attributes_md5,
            sender_id=row.sender_id, sent_at=sent_at, visible_at=now, expires_at=sent_at + settings.retention * 1000,
            group_id=row.group_id, dedup_id=row.dedup_id if dest.fifo else None,
            dead_letter_source_arn=source.arn if to_dead_letter else None,
            receive_count=row.receive_count if to_dead_letter else 0,
            first_received_at=row.first_received_at if to_dead_letter else None,
        ))
    if dest.fifo:
        moved = [m if m.group_id else replace(m, group_id="default") for m in moved]
        seqs: list[int | None] = list(s.messages.next_sequence_numbers(dest.id, len(moved)))
    else:
        seqs = [None] * len(moved)
    s.messages.add(dest.id, moved, seqs)
    s.messages.delete(row.id for row in rows)
    if source.fifo:
        for group in sorted({row.group_id for row in rows if row.group_id is not None}):
            s.messages.refresh_group(source.id, group, after_id=source.purged_upto)
