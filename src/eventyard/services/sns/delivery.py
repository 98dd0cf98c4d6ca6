"""SNS's side of delivery: its retry schedules and dead letters (the ``sns`` origin), and
the deliverer for HTTP/S subscriptions.

Outbox rows of origin ``sns`` carry ``payload["context"]``: ``subscription_arn``,
``topic_arn``, ``protocol``, ``message_id``, ``dead_letter_arn`` (the subscription's
RedrivePolicy), ``raw_attributes`` (raw delivery to a queue that refused the message:
the attributes its dead-letter copy carries), and for HTTP/S ``policy``
(``HttpPolicy.as_dict``) and ``confirmation`` (a SubscriptionConfirmation, never
dead-lettered).

HTTP/S: a 2xx answer within 15 s is a delivery; any other answer, a timeout or a
connection error is a failure, retried along the subscription's effective
``healthyRetryPolicy``; ``throttlePolicy.maxReceivesPerSecond`` spaces the requests to
one subscription on this node.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import structlog

from eventyard.core.errors import ServiceError
from eventyard.runtime.delivery import Failure
from eventyard.runtime.http import OutboundHttp
from eventyard.services.sns import delivery_policy
from eventyard.services.sns.metrics import TopicMetrics
from eventyard.services.sns.publish import PublishOperations, sqs_attributes_from_json
from eventyard.services.sqs.inbound import QueueUnavailable, QueueWriter
from eventyard.services.sqs.types import QueueMessage
from eventyard.store import Session
from eventyard.store.deliveries import DeliveryRecord

log = structlog.get_logger("eventyard.sns")

ORIGIN = "sns"
HTTP_TIMEOUT = 15.0


class SnsOrigin:
    def __init__(self, queue_writer: QueueWriter, metrics: TopicMetrics) -> None:
        self.queue_writer = queue_writer  # subscriptions' dead-letter queues
        self.metrics = metrics
        self._written: list[int] = []

    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None:
        ctx = record.payload.get("context") or {}
        retry = record.attempts  # the retry that comes next: attempts so far are 1 + retries
        if "policy" in ctx:
            delay = delivery_policy.HttpPolicy.from_dict(ctx["policy"]).retry.delay_before(retry)
        else:
            delay = delivery_policy.managed_delay_before(retry)
        if delay is None:
            return None
        return now + int(delivery_policy.jittered(delay) * 1000)

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        ctx = record.payload.get("context") or {}
        dead_letter = ctx.get("dead_letter_arn")
        dead_lettered = False
        if dead_letter and not ctx.get("confirmation"):
            # the copy is the message the subscriber would have got, nothing added (AWS's
            # recorded behaviour); raw delivery keeps the published attributes
            raw_attributes = ctx.get("raw_attributes")
            # (a standard queue gets neither group nor deduplication id)
            message = QueueMessage(record.payload["body"],
                                   attributes=sqs_attributes_from_json(raw_attributes) if raw_attributes else None,
                                   group_id=record.target.get("group_id"), dedup_id=record.payload.get("dedup_id"),
                                   fifo_group_only=True)
            writer = self.queue_writer
            try:
                queue = writer.queue_for_arn(s, dead_letter)
                writer.enqueue(s, queue, [message], sender=record.account_id, now=now)
                self._written.append(queue.id)
                dead_lettered = True
            except QueueUnavailable as err:
                log.warning("sns.dead_letter_failed", queue=dead_letter, reason=err.message,
                            subscription=ctx.get("subscription_arn"))
        log.warning("sns.delivery_failed", subscription=ctx.get("subscription_arn"), code=failure.code,
                    attempts=record.attempts, dead_lettered=dead_lettered)
        if not ctx.get("confirmation") and ctx.get("topic_arn"):
            self.metrics.count_failed(ctx["topic_arn"], record.target_kind)

    def delivered(self, record: DeliveryRecord, now: int) -> None:
        ctx = record.payload.get("context") or {}
        if not ctx.get("confirmation") and ctx.get("topic_arn"):
            self.metrics.count_delivered(ctx["topic_arn"], record.target_kind)

    def committed(self) -> None:
        written, self._written = self._written, []
        if written:
            self.queue_writer.signal(written)


class HttpDeliverer:
    """Kinds ``http`` and ``https``: POST the body to the subscription's endpoint, through
    the node's shared outbound HTTP (certificates unchecked) and its pacer."""

    def __init__(self, http: OutboundHttp | None = None) -> None:
        self.http = http or OutboundHttp()

    async def _throttle(self, subscription: str, per_second: int | None) -> None:
        if not per_second:
            return
        wait = self.http.pacer.reserve(subscription, per_second, max_wait=math.inf)
        if wait:
            await asyncio.sleep(wait)

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        ctx: dict[str, Any] = record.payload.get("context") or {}
        per_second = (ctx.get("policy") or {}).get("rate")
        await self._throttle(record.target.get("subscription_arn", ""), per_second)
        try:
            response = await self.http.client(verify=False).post(
                record.target["url"], content=record.payload["body"].encode("utf-8"),
                headers=record.payload.get("headers") or {}, timeout=HTTP_TIMEOUT)
        except httpx.TimeoutException:
            return Failure("EndpointTimeout", f"The endpoint did not answer within {HTTP_TIMEOUT:.0f} seconds.")
        except httpx.HTTPError as exc:
            return Failure("EndpointUnreachable", f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            return None
        return Failure(str(response.status_code), f"The endpoint answered HTTP {response.status_code}.")


class TopicDeliverer:
    """Kind ``sns``: a target that is a topic (an EventBridge rule's): the body is published
    to it as a Publish would. ``target``: ``arn``; ``payload``: ``body``, optional
    ``dedup_id`` (FIFO topics deduplicate on it) and ``group_id``."""

    def __init__(self, publishing: PublishOperations) -> None:
        self.publishing = publishing

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        topic_arn = record.target["arn"]
        try:
            await self.publishing.publish_on_behalf(record.account_id, record.region, topic_arn, record.payload["body"],
                                                 group_id=record.target.get("group_id"),
                                                 dedup_id=record.payload.get("dedup_id"))
            return None
        except ServiceError as err:
            if err.code == "NotFoundException":
                return Failure("NO_RESOURCE", f"Topic {topic_arn} does not exist.", retryable=False)
            if err.code == "AuthorizationErrorException":
                return Failure("NO_PERMISSIONS", err.message, retryable=False)
            return Failure("INVALID_PARAMETER", err.message, retryable=False)
