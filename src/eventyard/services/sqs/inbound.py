"""Messages that other services put on a queue (EventBridge targets and dead letters, SNS
subscriptions and dead letters): ``QueueWriter``, one typed path for all of them.

They are enqueued inside the caller's own unit of work, so that accepting an event or a
publish and delivering it to a queue on the same store commit together; what a queue
refuses, or a queue that is not on this store, is left to the caller's outbox. The
caller signals the queues after its commit (``QueueWriter.signal``) so that long polls
return at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.runtime.delivery import Failure
from eventyard.runtime.wakeups import Keyed
from eventyard.services.sqs import access, fifo, outgoing, urls
from eventyard.services.sqs.directory import QueueDirectory
from eventyard.services.sqs.types import QueueMessage, ServiceSource, attributes_from_wire
from eventyard.store import Session, Store
from eventyard.store.deliveries import DeliveryRecord
from eventyard.store.queues import QueueRecord

NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


class QueueUnavailable(Exception):
    """The queue cannot take the message; ``code``/``message`` say why, as the sending
    service reports a failed invocation (``ERROR_CODE`` / ``ERROR_MESSAGE``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class QueueWrite:
    """What ``QueueWriter.write`` did with a batch: the queue it wrote to (None when it
    wrote nothing), and the positions of the messages it left for the outbox, in order."""

    queue_id: int | None
    refused: list[int]


class QueueWriter:
    def __init__(self, directory: QueueDirectory, wakeups: Keyed) -> None:
        self.directory = directory  # queue settings, parsed once per version
        self.wakeups = wakeups

    def queue_for_arn(self, s: Session, queue_arn: str) -> QueueRecord:
        """Inside a unit of work: the queue an ARN names, or ``QueueUnavailable``."""
        arn = arns.parse(queue_arn)
        if arn is None or arn.service != "sqs":
            raise QueueUnavailable("InvalidParameterValue", f"{queue_arn} is not an SQS queue ARN.")
        record = s.queues.get(arn.account, arn.region, arn.resource)
        if record is None:
            raise QueueUnavailable(NO_QUEUE, "The specified queue does not exist.")
        return record

    def enqueue(self, s: Session, queue: QueueRecord, messages: Sequence[QueueMessage], *, sender: str,
                now: int) -> list[str]:
        """Inside a unit of work: put messages on ``queue``; their message ids (a FIFO
        duplicate gets its original's). A message the queue refuses (too large, no group
        on a FIFO queue ...) raises ``QueueUnavailable`` and nothing of the batch is kept.
        Another account's queue policy must allow the messages' ``via`` (all the same
        one); AWS reports a refusal as a missing queue."""
        via = messages[0].via if messages else None
        if any(m.via is not via and m.via != via for m in messages):
            via = None
        if not access.delivery_allowed(queue, sender, _via(via)):
            raise QueueUnavailable(NO_QUEUE, "The specified queue does not exist or you do not have access to it.")
        settings = self.directory.settings(queue)
        try:
            prepared = [outgoing.prepare_message(m, settings, sender=sender, now=now) for m in messages]
        except ServiceError as err:
            raise QueueUnavailable(err.code, err.message) from err
        if queue.fifo:
            return [message_id for message_id, _ in fifo.send(s, queue, settings, prepared, now)]
        s.messages.add(queue.id, [p.message for p in prepared])
        return [p.message.message_id for p in prepared]

    def write(self, s: Session, queue_arn: str, messages: Sequence[QueueMessage], *, sender: str,
              now: int) -> QueueWrite:
        """Inside a unit of work: put ``messages`` on the queue ``queue_arn`` names, as one
        batch. What it refuses (every message, when the queue is not on this store) is
        found one message at a time and left for the caller's outbox, where retries and
        dead letters take over; the others are written."""
        try:
            queue = self.queue_for_arn(s, queue_arn)
        except QueueUnavailable:
            return QueueWrite(None, list(range(len(messages))))
        refused: list[int] = []
        written = False
        batches = [range(len(messages))]
        while batches:
            batch = batches.pop()
            try:
                self.enqueue(s, queue, [messages[i] for i in batch], sender=sender, now=now)
            except QueueUnavailable:
                if len(batch) == 1:
                    refused.append(batch[0])
                else:  # find the messages the queue refuses, keep the others
                    batches.extend(range(i, i + 1) for i in reversed(batch))
                continue
            written = True
        return QueueWrite(queue.id if written else None, refused)

    def send_message(self, s: Session, request: dict[str, Any], *, account: str, region: str,
                     now: int) -> tuple[int, dict[str, Any]] | None:
        """Inside a unit of work: SendMessage of ``request`` (``QueueUrl`` and
        ``MessageBody`` only) by ``account`` to a standard queue of its own on this store:
        the queue's id and SendMessage's answer. None, with nothing written, when it is not
        that simple (other parameters, another account's or a FIFO queue, a missing queue,
        a body the queue refuses): the caller then sends it the ordinary way, whose answer
        or error is SendMessage's own."""
        url, body = request.get("QueueUrl"), request.get("MessageBody")
        if len(request) != 2 or not isinstance(url, str) or not isinstance(body, str):
            return None
        try:
            ref = urls.parse_url(url)
        except ServiceError:
            return None
        if (ref.account or account) != account:
            return None
        queue = s.queues.get(account, ref.region or region, ref.name)
        if queue is None or queue.fifo:
            return None
        try:
            out = outgoing.prepare(request, self.directory.settings(queue), sender=account, now=now)
        except ServiceError:
            return None
        s.messages.add(queue.id, [out.message])
        return queue.id, outgoing.sent(out, out.message.message_id, None)

    def signal(self, queue_ids: Sequence[int]) -> None:
        """After the caller's commit: wake the long polls of these queues."""
        for queue_id in set(queue_ids):
            self.wakeups.signal(queue_id)


def _via(source: ServiceSource | None) -> tuple[str, str] | None:
    return None if source is None else (source.principal, source.source_arn)


class QueueDeliverer:
    """The delivery runtime's deliverer for queue targets (kind ``sqs``).

    ``target``: ``arn`` (the queue), optional ``group_id``. ``payload``: ``body``, optional
    ``message_attributes`` (SQS's typed form), ``dedup_id`` (used on FIFO queues) and
    ``trace_header``.
    """

    def __init__(self, store: Store, writer: QueueWriter) -> None:
        self.store = store
        self.writer = writer

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        target, payload = record.target, record.payload
        context = payload.get("context") or {}
        source = context.get("topic_arn") or context.get("rule_arn")
        message = QueueMessage(
            payload["body"], attributes=attributes_from_wire(payload.get("message_attributes")),
            trace_header=payload.get("trace_header"), group_id=target.get("group_id"),
            dedup_id=payload.get("dedup_id"),
            via=ServiceSource(f"{record.origin}.amazonaws.com", source) if source else None,
        )
        written: list[int] = []

        def unit(s: Session) -> None:
            queue = self.writer.queue_for_arn(s, target["arn"])
            self.writer.enqueue(s, queue, [message], sender=record.account_id, now=clock.now_ms())
            written.append(queue.id)

        try:
            await self.store.write(unit)
        except QueueUnavailable as err:
            # a missing queue or a message it refuses is a client-side error: retrying
            # cannot help, so it goes to the dead-letter queue at once (EventBridge's and
            # SNS's rule); the codes are EventBridge's ERROR_CODE values
            if err.code == NO_QUEUE:
                return Failure("NO_RESOURCE", err.message, retryable=False)
            return Failure("INVALID_PARAMETER", err.message, retryable=False)
        self.writer.signal(written)
        return None
