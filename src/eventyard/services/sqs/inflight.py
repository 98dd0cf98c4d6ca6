"""Acting on received messages by receipt handle: DeleteMessage and
ChangeMessageVisibility, single and batched.

Rules (AWS, as recorded against it): a handle for another queue or a garbage handle is
invalid. Every handle a message was received with stays good until the message is
deleted, also after it was received again (the documentation's "succeeds but might not
delete" does not happen). On a FIFO queue a handle of a message that is not in flight
has expired. Deleting a message that is gone succeeds. Changing the visibility of a
message that is gone fails; the total visibility is at most 12 h from the latest receive.
"""

from __future__ import annotations

from typing import Any, Callable

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.wakeups import Keyed
from eventyard.services.sqs import errors, receipts, validation
from eventyard.services.sqs.directory import QueueDirectory, latest
from eventyard.store import Session, Store
from eventyard.store.queues import QueueRecord

_MAX_TOTAL_VISIBILITY_MS = validation.MAX_VISIBILITY * 1000


def _receipt(record: QueueRecord, handle: str) -> receipts.Receipt:
    receipt = receipts.decode(handle)
    if receipt.queue_id != record.id:
        raise errors.receipt_handle_invalid(handle)
    return receipt


def _delete(s: Session, queue: QueueRecord, handle: str, receipt: receipts.Receipt, now: int) -> bool:
    """True when a FIFO group may have become ready."""
    row = s.messages.receipt_state(receipt.message_row_id)
    if row is None or row.queue_id != queue.id or row.receipt_token is None:
        return False  # already gone (or never received: no handle of it exists)
    if queue.fifo and row.visible_at <= now:
        raise errors.receipt_handle_expired(handle)
    s.messages.delete([row.id])
    if queue.fifo and row.group_id is not None:
        s.messages.refresh_group(queue.id, row.group_id, after_id=queue.purged_upto)
        s.messages.announce(queue.id)
        return True
    return False


def _delete_many(s: Session, queue: QueueRecord, todo: list[tuple[dict[str, Any], receipts.Receipt]],
                 now: int) -> tuple[dict[str, dict[str, Any]], bool]:
    """DeleteMessageBatch as one read and one delete, whatever the number of entries;
    the same rules as ``_delete`` per entry. Returns (failed entries, a FIFO group may be ready)."""
    states = s.messages.receipt_states(sorted({r.message_row_id for _, r in todo}))
    failed: dict[str, dict[str, Any]] = {}
    doomed: set[int] = set()
    groups: set[str] = set()
    for entry, receipt in todo:
        row = states.get(receipt.message_row_id)
        if row is None or row.queue_id != queue.id or row.receipt_token is None:
            continue  # already gone
        if queue.fifo and row.visible_at <= now:
            failed[entry["Id"]] = errors.entry_failure(
                entry["Id"], errors.receipt_handle_expired(entry["ReceiptHandle"]))
            continue
        doomed.add(row.id)
        if queue.fifo and row.group_id is not None:
            groups.add(row.group_id)
    s.messages.delete(sorted(doomed))
    for group in sorted(groups):
        s.messages.refresh_group(queue.id, group, after_id=queue.purged_upto)
    if groups:
        s.messages.announce(queue.id)
    return failed, bool(groups)


def _change_visibility(s: Session, queue: QueueRecord, handle: str, receipt: receipts.Receipt, timeout: int,
                       now: int) -> bool:
    """True when the message (or its FIFO group) may be ready now."""
    row = s.messages.receipt_state(receipt.message_row_id)
    if row is None or row.queue_id != queue.id or row.receipt_token is None:
        raise errors.not_available_for_visibility(handle)
    if queue.fifo and row.visible_at <= now:
        raise errors.receipt_handle_expired(handle)
    visible_at = now + timeout * 1000
    if row.received_at is not None and visible_at - row.received_at > _MAX_TOTAL_VISIBILITY_MS:
        raise errors.invalid_value(
            "VisibilityTimeout", timeout,
            f"Total VisibilityTimeout for the message is beyond the limit [{validation.MAX_VISIBILITY} seconds].",
        )
    s.messages.set_visible_at(row.id, visible_at)
    if queue.fifo and row.group_id is not None:
        s.messages.refresh_group(queue.id, row.group_id, after_id=queue.purged_upto)
    if timeout == 0:
        s.messages.announce(queue.id)
    return timeout == 0


class InFlightOperations:
    """Received messages, by receipt handle: DeleteMessage(Batch), ChangeMessageVisibility(Batch)."""

    def __init__(self, store: Store, directory: QueueDirectory, wakeups: Keyed) -> None:
        self.store = store
        self.directory = directory
        self.wakeups = wakeups

    async def delete_message(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        handle = req["ReceiptHandle"]
        receipt = _receipt(record, handle)
        ready = await self.store.write(lambda s: _delete(s, latest(s, record.id), handle, receipt, clock.now_ms()))
        if ready:
            self.wakeups.signal(record.id)

    async def change_message_visibility(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        handle = req["ReceiptHandle"]
        timeout = validation.visibility_timeout(req["VisibilityTimeout"])
        receipt = _receipt(record, handle)
        ready = await self.store.write(
            lambda s: _change_visibility(s, latest(s, record.id), handle, receipt, timeout, clock.now_ms())
        )
        if ready:
            self.wakeups.signal(record.id)

    async def delete_message_batch(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._batch(ctx, req, "DeleteMessageBatchRequestEntry",
                                 lambda s, q, e, h, r, now: _delete(s, q, h, r, now), many=_delete_many)

    async def change_message_visibility_batch(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        def change(s: Session, q: QueueRecord, entry: dict[str, Any], handle: str, receipt: receipts.Receipt,
                   now: int) -> bool:
            if entry.get("VisibilityTimeout") is None:
                raise errors.missing("VisibilityTimeout")
            return _change_visibility(s, q, handle, receipt, validation.visibility_timeout(entry["VisibilityTimeout"]), now)

        return await self._batch(ctx, req, "ChangeMessageVisibilityBatchRequestEntry", change)

    async def _batch(
        self, ctx: RequestContext, req: dict[str, Any], entry_shape: str,
        act: Callable[[Session, QueueRecord, dict[str, Any], str, receipts.Receipt, int], bool],
        many: Callable[[Session, QueueRecord, list[tuple[dict[str, Any], receipts.Receipt]], int],
                       tuple[dict[str, dict[str, Any]], bool]] | None = None,
    ) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        entries = validation.batch_entries(req.get("Entries"), entry_shape)
        failed: dict[str, dict[str, Any]] = {}
        todo: list[tuple[dict[str, Any], receipts.Receipt]] = []
        for entry in entries:
            try:
                if not entry.get("ReceiptHandle"):
                    raise errors.missing("ReceiptHandle")
                todo.append((entry, _receipt(record, entry["ReceiptHandle"])))
            except ServiceError as err:
                failed[entry["Id"]] = errors.entry_failure(entry["Id"], err)

        def run(s: Session) -> tuple[dict[str, dict[str, Any]], bool]:
            queue, now = latest(s, record.id), clock.now_ms()
            if many is not None:
                return many(s, queue, todo, now)
            errors_by_id: dict[str, dict[str, Any]] = {}
            ready = False
            for entry, receipt in todo:
                try:  # entries fail alone: each raises before it writes anything
                    ready = act(s, queue, entry, entry["ReceiptHandle"], receipt, now) or ready
                except ServiceError as err:
                    errors_by_id[entry["Id"]] = errors.entry_failure(entry["Id"], err)
            return errors_by_id, ready

        if todo:
            more, ready = await self.store.write(run)
            failed.update(more)
            if ready:
                self.wakeups.signal(record.id)
        return errors.batch_result([{"Id": e["Id"]} for e in entries if e["Id"] not in failed],
                                   [failed[e["Id"]] for e in entries if e["Id"] in failed])
