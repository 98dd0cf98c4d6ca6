"""Sending and receiving: SendMessage, SendMessageBatch, ReceiveMessage (long polling)."""

from __future__ import annotations

import time
from typing import Any

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.wakeups import Keyed, fallback_seconds
from eventyard.services.sqs import errors, fifo, outgoing, standard, validation
from eventyard.services.sqs.directory import QueueDirectory, latest, sender_id
from eventyard.services.sqs.in_flight_limit import max_in_flight
from eventyard.services.sqs.outgoing import Outgoing
from eventyard.services.sqs.standard import Claim
from eventyard.store import Session, Store
from eventyard.store.queues import QueueRecord


# The count reads the in-flight range of the receive index, so it is made at most once
# per this many seconds per queue while the queue is far from the cap (AWS's quota is
# approximate too); near the cap, on every receive.
IN_FLIGHT_RECOUNT_SECONDS = 1.0


class MessageOperations:
    """SendMessage, SendMessageBatch and ReceiveMessage, with long polls on ``wakeups``."""

    def __init__(self, store: Store, directory: QueueDirectory, wakeups: Keyed) -> None:
        self.store = store
        self.directory = directory
        self.wakeups = wakeups
        self.max_in_flight = max_in_flight()
        self._in_flight_seen: dict[int, tuple[float, int]] = {}  # queue id -> (counted at, count + received since)

    def _in_flight_check_due(self, queue_id: int, cap: int, limit: int) -> bool:
        hit = self._in_flight_seen.get(queue_id)
        return hit is None or time.monotonic() - hit[0] >= IN_FLIGHT_RECOUNT_SECONDS or hit[1] + limit >= cap

    def _in_flight_note(self, queue_id: int, *, counted: int | None = None, received: int = 0) -> None:
        if counted is not None:
            if len(self._in_flight_seen) >= 10_000:
                self._in_flight_seen.clear()
            self._in_flight_seen[queue_id] = (time.monotonic(), counted + received)
        elif queue_id in self._in_flight_seen:
            at, count = self._in_flight_seen[queue_id]
            self._in_flight_seen[queue_id] = (at, count + received)

    # -- sending ---------------------------------------------------------------------
    async def send_message(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        now = clock.now_ms()
        out = outgoing.prepare(req, self.directory.settings(record), sender=sender_id(ctx), now=now,
                               trace_header=ctx.trace_header)
        [(message_id, seq)] = await self._store_messages(record, [out], now)
        return outgoing.sent(out, message_id, seq)

    async def send_message_batch(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        entries = validation.batch_entries(req.get("Entries"), "SendMessageBatchRequestEntry")
        total = sum(outgoing.raw_size(e) for e in entries)
        if total > outgoing.BATCH_LIMIT:
            raise ServiceError(
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {outgoing.BATCH_LIMIT} bytes. You have sent {total} bytes.",
            )
        settings, now, sender = self.directory.settings(record), clock.now_ms(), sender_id(ctx)
        if settings.fifo:
            outgoing.check_fifo_batch(entries, settings)
        ready: list[tuple[str, Outgoing]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                ready.append((entry["Id"], outgoing.prepare(entry, settings, sender=sender, now=now,
                                                            trace_header=ctx.trace_header)))
            except ServiceError as err:
                failed.append(errors.entry_failure(entry["Id"], err))
        successful = []
        if ready:
            stored = await self._store_messages(record, [out for _, out in ready], now)
            successful = [
                {"Id": entry_id, **outgoing.sent(out, message_id, seq)}
                for (entry_id, out), (message_id, seq) in zip(ready, stored)
            ]
        return errors.batch_result(successful, failed)

    async def _store_messages(self, record: QueueRecord, batch: list[Outgoing], now: int) -> list[tuple[str, int | None]]:
        settings = self.directory.settings(record)

        def store(s: Session) -> list[tuple[str, int | None]]:
            current = latest(s, record.id)
            if current.fifo:
                return list(fifo.send(s, current, settings, batch, now))
            s.messages.add(current.id, [out.message for out in batch])
            return [(out.message.message_id, None) for out in batch]

        stored = await self.store.write(store)
        self.wakeups.signal(record.id)
        return stored

    # -- receiving ----------------------------------------------------------------------
    async def receive_message(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        limit, visibility, wait = req.get("MaxNumberOfMessages"), req.get("VisibilityTimeout"), req.get("WaitTimeSeconds")
        validation.receive_limits(limit, visibility, wait)
        attempt_id = req.get("ReceiveRequestAttemptId")
        if attempt_id is not None:
            validation.token("ReceiveRequestAttemptId", attempt_id)
        settings = self.directory.settings(record)
        limit = limit or 1
        wait = settings.receive_wait if wait is None else wait
        system_names = set(req.get("AttributeNames") or []) | set(req.get("MessageSystemAttributeNames") or [])
        attribute_names = list(req.get("MessageAttributeNames") or [])
        deadline = time.monotonic() + wait
        recheck = fallback_seconds()
        cap = self.max_in_flight

        def attempt(s: Session) -> Claim:
            current = latest(s, record.id)
            now = clock.now_ms()
            current_settings = self.directory.settings(current)
            timeout = current_settings.visibility_timeout if visibility is None else visibility
            if current.fifo:
                return fifo.claim(s, current, current_settings, limit=limit, visibility=timeout, now=now,
                                  attempt_id=attempt_id)
            counted = None
            if self._in_flight_check_due(current.id, cap, limit):
                counted = s.messages.count_in_flight(current.id, now=now, after_id=current.purged_upto, limit=cap)
                if counted >= cap:
                    raise errors.over_limit(cap)
            claim = standard.claim(s, current, current_settings, limit=limit, visibility=timeout, now=now)
            self._in_flight_note(current.id, counted=counted, received=len(claim.messages))
            return claim

        while True:
            watch = self.wakeups.watch(record.id)  # before looking: a send in between wakes us
            try:
                claim = await self.store.write(attempt)
                for queue_id in claim.moved_to:
                    self.wakeups.signal(queue_id)
                remaining = deadline - time.monotonic()
                if claim.messages or remaining <= 0:
                    break
                pause = min(remaining, recheck)
                if claim.next_ready_at is not None:
                    pause = min(pause, max(0.0, (claim.next_ready_at - clock.now_ms()) / 1000) + 0.005)
                await watch.wait(pause)
            finally:
                watch.close()
        if not claim.messages:
            return {}
        return {"Messages": [
            outgoing.received(row, record.id, system_names=system_names, attribute_names=attribute_names,
                              fifo=record.fifo)
            for row in claim.messages
        ]}
