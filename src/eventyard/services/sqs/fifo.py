"""FIFO queues: deduplicated sends and group-ordered receives (units of work).

A group is received from only when none of its messages is in flight; a receive
takes as many consecutive messages of each ready group as it may return. Sequence
numbers come from a per-queue counter whose row lock also orders concurrent sends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from eventyard.services.sqs import receipts, redrive
from eventyard.services.sqs.attributes import QueueSettings
from eventyard.services.sqs.outgoing import Outgoing
from eventyard.services.sqs.standard import Claim, received_now, split_for_dead_letter
from eventyard.store import Session
from eventyard.store.messages import ReceiveAttempt, StoredMessage
from eventyard.store.queues import QueueRecord

DEDUP_WINDOW_MS = 300_000
ATTEMPT_WINDOW_MS = 300_000
GROUP_WINDOW = 10  # messages of a group read per receive: at most a receive's worth


def send(s: Session, queue: QueueRecord, settings: QueueSettings, outgoing: Sequence[Outgoing],
         now: int) -> list[tuple[str, int]]:
    """Store the messages that are not duplicates; (message id, sequence number) of each,
    the original's for a duplicate."""
    seqs = s.messages.next_sequence_numbers(queue.id, len(outgoing))
    by_group = settings.deduplication_scope == "messageGroup"
    keys: list[tuple[str, str]] = []
    first: dict[tuple[str, str], int] = {}  # a dedup id seen earlier in this batch: its index
    for i, out in enumerate(outgoing):
        m = out.message
        assert m.dedup_id is not None and m.group_id is not None
        key = (m.group_id if by_group else "", m.dedup_id)
        keys.append(key)
        first.setdefault(key, i)
    # A queue switched to per-group deduplication (high throughput) within the window still
    # knows the ids it remembered queue-wide: AWS keeps deduplicating across the switch.
    carried: dict[str, tuple[str, int]] = {}
    if by_group and now - queue.modified_at < DEDUP_WINDOW_MS:
        carried = s.messages.live_dedups(queue.id, "", sorted({key[1] for key in first}), now)
    claims = [(key[0], key[1], outgoing[i].message.message_id, seqs[i])
              for key, i in first.items() if key[1] not in carried]
    claimed = s.messages.remember_dedups(queue.id, claims, now=now, expires_at=now + DEDUP_WINDOW_MS)
    kept, kept_seqs, results = [], [], []
    for i, (out, seq, key) in enumerate(zip(outgoing, seqs, keys)):
        m = out.message
        if key in claimed and first[key] == i:
            kept.append(m)
            kept_seqs.append(seq)
            results.append((m.message_id, seq))
        elif key in claimed:
            results.append(results[first[key]])  # a duplicate of an earlier entry of this batch
        elif key[1] in carried:
            results.append(carried[key[1]])
        else:
            original = s.messages.dedup_original(queue.id, key[0], key[1])
            assert original is not None
            results.append(original)
    if kept:
        s.messages.add(queue.id, kept, kept_seqs)
    return results


def claim(s: Session, queue: QueueRecord, settings: QueueSettings, *, limit: int, visibility: int, now: int,
          attempt_id: str | None) -> Claim:
    visible_at = now + visibility * 1000
    if attempt_id is not None:
        again = _retry(s, queue, attempt_id, now=now, visible_at=visible_at)
        if again is not None:
            return again
    token = receipts.new_token()
    dead_letter = redrive.target(s, settings)
    taken: list[StoredMessage] = []
    moved_to: set[int] = set()
    for group in s.messages.ready_groups(queue.id, now=now, limit=limit):
        need = limit - len(taken)
        if need <= 0:
            break
        took: list[StoredMessage] = []
        over: list[StoredMessage] = []
        # Read a full window: messages moving to the dead-letter queue make room for the next.
        for row in s.messages.group_messages(queue.id, group, after_id=queue.purged_upto, limit=GROUP_WINDOW):
            if len(took) == need or row.visible_at > now:
                break
            if row.expires_at <= now:
                continue  # past retention; the sweeper removes it
            (over if split_for_dead_letter(row, settings, dead_letter) else took).append(row)
        if over and dead_letter is not None:
            redrive.move(s, over, queue, dead_letter, now=now, to_dead_letter=True)
            moved_to.add(dead_letter.id)
        if took:
            s.messages.set_group_available(queue.id, group, visible_at)
            taken += took
        else:
            s.messages.refresh_group(queue.id, group, after_id=queue.purged_upto)
    s.messages.mark_received([r.id for r in taken], now=now, visible_at=visible_at, receipt_token=token)
    rows = [received_now(r, now=now, visible_at=visible_at, token=token) for r in taken]
    if attempt_id is not None and rows:
        s.messages.remember_receive_attempt(
            queue.id, attempt_id, ReceiveAttempt(token, [r.id for r in rows], visible_at), now + ATTEMPT_WINDOW_MS
        )
    next_ready = None if rows else s.messages.next_visible_at(queue.id, now, fifo=True)
    return Claim(rows, next_ready, moved_to)


def _retry(s: Session, queue: QueueRecord, attempt_id: str, *, now: int, visible_at: int) -> Claim | None:
    """The same messages and receipt handles for a retried ReceiveRequestAttemptId, if
    none of them was deleted or had its visibility changed since."""
    previous = s.messages.receive_attempt(queue.id, attempt_id, now)
    if previous is None:
        return None
    rows = s.messages.get_many(previous.message_ids)
    unchanged = len(rows) == len(previous.message_ids) and all(
        r.queue_id == queue.id and r.receipt_token == previous.receipt_token and r.visible_at == previous.visible_at
        for r in rows
    )
    if not unchanged:
        return None
    for row in rows:
        s.messages.set_visible_at(row.id, visible_at)
    for group in {r.group_id for r in rows if r.group_id is not None}:
        s.messages.set_group_available(queue.id, group, visible_at)
    s.messages.remember_receive_attempt(
        queue.id, attempt_id, replace(previous, visible_at=visible_at), now + ATTEMPT_WINDOW_MS
    )
    by_id = {r.id: replace(r, visible_at=visible_at) for r in rows}
    return Claim([by_id[i] for i in previous.message_ids], None, set())
