"""EventBridge's side of delivery: the outbox rows it writes, its retry policy and dead
letters (the ``events`` origin), and the deliverer for bus targets.

Retries follow the target's ``RetryPolicy`` (defaults 185 attempts and 24 h): exponential
backoff from ``RETRY_BASE_MS`` with full jitter, capped at ``RETRY_CAP_MS``. When either
bound is exhausted, or the failure is not retryable, the event goes to the target's
``DeadLetterConfig`` queue with the attributes EventBridge adds, or is dropped.
"""

from __future__ import annotations

import os
import random
from typing import TYPE_CHECKING, Any

import orjson
import structlog

from eventyard.core import arns, jsondoc
from eventyard.runtime.delivery import Failure
from eventyard.services.events._base import BusDirectory
from eventyard.services.events.metrics import EventMetrics
from eventyard.services.sqs.inbound import QueueUnavailable, QueueWriter
from eventyard.services.sqs.types import MessageAttribute, QueueMessage
from eventyard.store import Session
from eventyard.store.deliveries import DeliveryRecord
from eventyard.store.event_rules import RuleRecord, TargetRecord

if TYPE_CHECKING:  # the router's module writes this module's outbox rows
    from eventyard.services.events.put_events import EventRouter

log = structlog.get_logger("eventyard.events")

ORIGIN = "events"
DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE_SECONDS = 86_400
RETRY_BASE_MS = int(os.environ.get("EVENTYARD_EVENTS_RETRY_BASE_MS", "1000"))
RETRY_CAP_MS = 300_000


def target_of(target: TargetRecord, kind: str) -> dict[str, Any]:
    """The deliverer's view of a target (see each deliverer for its keys)."""
    out: dict[str, Any] = {"arn": target.target_arn}
    spec = target.spec
    group = (spec.get("SqsParameters") or {}).get("MessageGroupId")
    if group is not None:
        out["group_id"] = group
    if spec.get("HttpParameters") is not None:
        out["http"] = spec["HttpParameters"]
    return out


def payload_of(rule: RuleRecord, target: TargetRecord, event: dict[str, Any], body: str, now: int) -> dict[str, Any]:
    policy = target.spec.get("RetryPolicy") or {}
    context = {
        "rule_arn": rule.arn,
        "target_id": target.target_id,
        "target_arn": target.target_arn,
        "event": event,
        "ingested_at": now,
        "max_retries": policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES),
        "max_age_seconds": policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_SECONDS),
        "dead_letter_arn": (target.spec.get("DeadLetterConfig") or {}).get("Arn"),
    }
    # No deduplication id: EventBridge sends none, so a FIFO queue target without
    # content-based deduplication refuses the event and the delivery fails, as on AWS.
    return {"body": body, "context": context}


def backoff_ms(attempts: int) -> int:
    """Delay before the next attempt after ``attempts`` failed ones: full jitter over an
    exponentially growing window."""
    window = min(RETRY_CAP_MS, RETRY_BASE_MS * (2 ** min(attempts - 1, 30)))
    return int(window / 2 + random.random() * window / 2)


class EventsOrigin:
    def __init__(self, queue_writer: QueueWriter, metrics: EventMetrics) -> None:
        self.queue_writer = queue_writer  # targets' dead-letter queues
        self.metrics = metrics
        self._written: list[int] = []  # dead-letter queues written in the unit of work now running

    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None:
        ctx = record.payload["context"]
        retries_done = record.attempts - 1
        if retries_done >= int(ctx["max_retries"]):
            return None
        due = now + backoff_ms(record.attempts)
        if failure.retry_after_ms is not None:  # the target's Retry-After, when more conservative
            due = max(due, now + failure.retry_after_ms)
        if due - int(ctx["ingested_at"]) > int(ctx["max_age_seconds"]) * 1000:
            return None
        self.metrics.retried(ctx["rule_arn"])
        return due

    def exhausted_condition(self, record: DeliveryRecord, failure: Failure, now: int) -> str | None:
        if not failure.retryable:
            return None
        ctx = record.payload["context"]
        if record.attempts - 1 >= int(ctx["max_retries"]):
            return "MaximumRetryAttempts"
        return "MaximumEventAgeInSeconds"

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        ctx = record.payload["context"]
        dead_letter = ctx.get("dead_letter_arn")
        dead_lettered = False
        if dead_letter:
            attributes = {
                "RULE_ARN": ctx["rule_arn"],
                "TARGET_ARN": ctx["target_arn"],
                "ERROR_CODE": failure.code,
                "ERROR_MESSAGE": failure.message,
                "RETRY_ATTEMPTS": str(max(0, record.attempts - 1)),
            }
            condition = self.exhausted_condition(record, failure, now)
            if condition is not None:
                attributes["EXHAUSTED_RETRY_CONDITION"] = condition
            message = QueueMessage(jsondoc.dumps(ctx["event"]),
                                   attributes={k: MessageAttribute("String", v) for k, v in attributes.items() if v})
            writer = self.queue_writer
            try:
                queue = writer.queue_for_arn(s, dead_letter)
                if queue.fifo:  # EventBridge cannot dead-letter into a FIFO queue
                    raise QueueUnavailable("InvalidParameterValue", "A FIFO queue cannot be a dead-letter queue.")
                writer.enqueue(s, queue, [message], sender=record.account_id, now=now)
                self._written.append(queue.id)
                dead_lettered = True
            except QueueUnavailable as err:
                log.warning("events.dead_letter_failed", queue=dead_letter, reason=err.message, rule=ctx["rule_arn"])
        log.warning("events.delivery_failed", rule=ctx["rule_arn"], target=ctx["target_arn"], code=failure.code,
                 attempts=record.attempts, dead_lettered=dead_lettered)
        self.metrics.failed(ctx["rule_arn"], dead_lettered=dead_lettered)

    def delivered(self, record: DeliveryRecord, now: int) -> None:
        ctx = record.payload["context"]
        self.metrics.invoked(ctx["rule_arn"], latency_ms=now - int(ctx["ingested_at"]))

    def committed(self) -> None:
        written, self._written = self._written, []
        if written:
            self.queue_writer.signal(written)


class BusDeliverer:
    """Kind ``events``: the event goes on to another bus (this account's or, when that
    bus's policy allows it, another's), where that bus's rules route it."""

    def __init__(self, buses: BusDirectory, router: EventRouter) -> None:
        self.buses = buses
        self.router = router

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        arn = arns.parse(record.target["arn"])
        if arn is None or arn.resource_type != "event-bus":
            return Failure("INVALID_PARAMETER", f"{record.target['arn']} is not an event bus.", retryable=False)
        event = dict(record.payload["context"]["event"])
        if arn.account != record.account_id:
            allowed = await self.buses.bus_allows(arn.account, arn.region, arn.resource_id, record.account_id)
            if not allowed:
                return Failure("NO_PERMISSIONS",
                               f"Account {record.account_id} is not authorized to put events to {record.target['arn']}.",
                               retryable=False)
        missing = await self.router.ingest(arn.account, arn.region, [(arn.resource_id, event)],
                                            int(record.payload["context"]["ingested_at"]))
        if missing:
            return Failure("NO_RESOURCE", f"Event bus {arn.resource_id} does not exist.", retryable=False)
        return None
