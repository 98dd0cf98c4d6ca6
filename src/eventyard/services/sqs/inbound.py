"""Messages that other services put on a queue (EventBridge targets, SNS subscriptions).

They are enqueued inside the caller's own unit of work, so that accepting an event or a
publish and delivering it to a queue on the same store commit together. The caller
signals the queues after its commit (``InboundOperations.queues_written``) so that long
polls return at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from eventyard.core import clock
from eventyard.core import arns
from eventyard.core.errors import ServiceError
from eventyard.runtime.delivery import Failure
from eventyard.services.sqs import access, fifo, outgoing
from eventyard.services.sqs._base import SqsBase
from eventyard.store import Session
from eventyard.store.deliveries import DeliveryRecord
from eventyard.store.queues import QueueRecord


@dataclass(frozen=True)
class Inbound:
    """One message for a queue: what SendMessage would carry."""

    body: str
    message_attributes: dict[str, dict[str, Any]] | None = None  # SQS's typed form
    group_id: str | None = None
    dedup_id: str | None = None
    trace_header: str | None = None

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"MessageBody": self.body}
        if self.message_attributes:
            out["MessageAttributes"] = self.message_attributes
        if self.group_id is not None:
            out["MessageGroupId"] = self.group_id
        if self.dedup_id is not None:
            out["MessageDeduplicationId"] = self.dedup_id
        if self.trace_header is not None:
            out["MessageSystemAttributes"] = {"AWSTraceHeader": {"DataType": "String", "StringValue": self.trace_header}}
        return out


NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


class QueueUnavailable(Exception):
    """The queue cannot take the message; ``code``/``message`` say why, as the sending
    service reports a failed invocation (``ERROR_CODE`` / ``ERROR_MESSAGE``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class InboundOperations(SqsBase):
    def queue_for_arn(self, s: Session, queue_arn: str) -> QueueRecord:
        """Inside a unit of work: the queue an ARN names, or ``QueueUnavailable``."""
        arn = arns.parse(queue_arn)
        if arn is None or arn.service != "sqs":
            raise QueueUnavailable("InvalidParameterValue", f"{queue_arn} is not an SQS queue ARN.")
        record = s.queues.get(arn.account, arn.region, arn.resource)
        if record is None:
            raise QueueUnavailable(NO_QUEUE, "The specified queue does not exist.")
        return record

    def enqueue(self, s: Session, queue: QueueRecord, messages: Sequence[Inbound], *, sender: str,
                now: int, via: tuple[str, str] | None = None) -> list[str]:
        """Inside a unit of work: put messages on ``queue``; their message ids (a FIFO
        duplicate gets its original's). A message the queue refuses (too large, no group
        on a FIFO queue ...) raises ``QueueUnavailable`` and nothing of the batch is kept.
        ``via``: (service principal, source ARN) of the sending service, which another
        account's queue policy must allow; AWS reports a refusal as a missing queue."""
        if not access.delivery_allowed(queue, sender, via):
            raise QueueUnavailable(NO_QUEUE, "The specified queue does not exist or you do not have access to it.")
        settings = self.settings(queue)
        try:
            prepared = [outgoing.prepare(m.entry(), settings, sender=sender, now=now) for m in messages]
        except ServiceError as err:
            raise QueueUnavailable(err.code, err.message) from err
        if queue.fifo:
            return [message_id for message_id, _ in fifo.send(s, queue, settings, prepared, now)]
        s.messages.add(queue.id, [p.message for p in prepared])
        return [p.message.message_id for p in prepared]

    def queues_written(self, queue_ids: Sequence[int]) -> None:
        """After the caller's commit: wake the long polls of these queues."""
        for queue_id in set(queue_ids):
            self.wakeups.signal(queue_id)


class QueueDeliverer:
    """The delivery runtime's deliverer for queue targets (kind ``sqs``).

    ``target``: ``arn`` (the queue), optional ``group_id``. ``payload``: ``body``, optional
    ``message_attributes`` (SQS's typed form), ``dedup_id`` (used on FIFO queues) and
    ``trace_header``.
    """

    def __init__(self, sqs: InboundOperations) -> None:
        self.sqs = sqs

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        target, payload = record.target, record.payload
        written: list[int] = []

        def unit(s: Session) -> None:
            queue = self.sqs.queue_for_arn(s, target["arn"])
            message = Inbound(
                payload["body"], message_attributes=payload.get("message_attributes"),
                group_id=target.get("group_id"), dedup_id=payload.get("dedup_id") if queue.fifo else None,
                trace_header=payload.get("trace_header"),
            )
            context = payload.get("context") or {}
            source = context.get("topic_arn") or context.get("rule_arn")
            via = (f"{record.origin}.amazonaws.com", source) if source else None
            self.sqs.enqueue(s, queue, [message], sender=record.account_id, now=clock.now_ms(), via=via)
            written.append(queue.id)

        try:
            await self.sqs.store.write(unit)
        except QueueUnavailable as err:
            # a missing queue or a message it refuses is a client-side error: retrying
            # cannot help, so it goes to the dead-letter queue at once (EventBridge's and
            # SNS's rule); the codes are EventBridge's ERROR_CODE values
            if err.code == NO_QUEUE:
                return Failure("NO_RESOURCE", err.message, retryable=False)
            return Failure("INVALID_PARAMETER", err.message, retryable=False)
        self.sqs.queues_written(written)
        return None
