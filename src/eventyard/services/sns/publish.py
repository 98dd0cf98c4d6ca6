"""Publish and PublishBatch: validate, deduplicate (FIFO), match each subscription's filter
policy, and commit the fan-out before answering.

Subscriptions that are queues on this store are written in the publish transaction
itself (the message is on every matching queue when Publish returns); HTTP/S and other
deliverable protocols get an outbox row that the delivery runtime invokes, retries and
dead-letters (``delivery``). What a queue refuses goes through the outbox too, where it
fails at once and lands in the subscription's dead-letter queue.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping

from eventyard.core import arns, clock, ids, jsondoc
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import _batches
from eventyard.services.sns import delivery_policy, envelope
from eventyard.services.sns._common import (
    DEDUP_WINDOW_MS,
    DEFAULT_MAX_MESSAGE_SIZE,
    MAX_SUBJECT,
    check_arn,
    invalid,
    topic_not_found,
)
from eventyard.services.sns.directory import TopicDirectory
from eventyard.services.sns.history import TopicHistory
from eventyard.services.sns.matching import SubscriptionCache, TopicSubscriptions
from eventyard.services.sns.metrics import TopicMetrics
from eventyard.services.sns.platform import PlatformOperations
from eventyard.services.sns.signing import Signer, SigningKey
from eventyard.services.sqs.inbound import QueueWriter
from eventyard.services.sqs.types import MessageAttribute, QueueMessage, ServiceSource
from eventyard.store import Session, Store
from eventyard.store.deliveries import NewDelivery
from eventyard.store.topics import SubscriptionRecord, TopicRecord

MAX_BATCH = _batches.MAX_ENTRIES
BATCH_RULES = _batches.BatchRules(
    empty=lambda: ServiceError("EmptyBatchRequestException", "The batch request doesn't contain any entries."),
    too_many=lambda _: ServiceError("TooManyEntriesInBatchRequestException",
                                    "The batch request contains more entries than permissible."),
    bad_id=lambda _: ServiceError("InvalidBatchEntryIdException",
                                  "The Id of a batch entry in a batch request doesn't abide by the specification."),
    repeated_id=lambda _: ServiceError("BatchEntryIdsNotDistinctException",
                                       "Two or more batch entries in the request have the same Id."),
    ids_before_repeats=True,
)
_TOKEN = re.compile(r"[!-~]{1,128}")  # MessageGroupId / MessageDeduplicationId: printable ASCII
_PUBLISH_PHONE = re.compile(r"\+?[1-9][0-9]{1,14}")  # E.164, the '+' optional
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WIRE_CODES = {"InvalidParameterException": "InvalidParameter", "InvalidParameterValueException": "ParameterValueInvalid",
               "NotFoundException": "NotFound"}
# a topic's sequence numbers are 20 digits, as AWS's are, and never look like a queue's own
SEQUENCE_BASE = 10**19
DELIVERED = ("sqs", "http", "https", "lambda", "firehose")  # email, sms, application: stored, not delivered


def _attr_invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _check_attribute_name(name: str) -> None:
    """SNS's own checks and words, in its order."""
    if len(name.encode("utf-8")) > 256:
        raise _attr_invalid("Length of message attribute name must be less than 256 bytes.")
    if name.startswith("."):
        raise _attr_invalid("Invalid message attribute name starting with character '.' was found.")
    if name.endswith("."):
        raise _attr_invalid("Invalid message attribute name ending with character '.' was found.")
    for i, ch in enumerate(name):  # the first offending character decides the message
        if not (ch.isascii() and (ch.isalnum() or ch in "-_.")):
            raise _attr_invalid(f"Invalid non-alphanumeric character '#x{ord(ch):X}' was found in the message "
                                "attribute name. Can only include alphanumeric characters, hyphens, underscores, "
                                "or dots.")
        if ch == "." and name[i - 1] == ".":
            raise _attr_invalid("Message attribute name can not have successive '.' character.")
    if not name or (name.startswith(("AWS.", "Amazon.")) and not name.startswith("AWS.SNS.")):
        raise _attr_invalid(f"Message attribute name '{name}' is invalid.")


@dataclass
class Entry:
    """One message to publish, checked on its own (the topic's rules come later)."""

    message: str
    subject: str | None
    attributes: dict[str, dict[str, Any]]
    structure: dict[str, str] | None  # MessageStructure=json: the message per protocol
    group_id: str | None
    dedup_id: str | None
    size: int
    trace_header: str | None = None  # the publisher's X-Ray header, for queues' AWSTraceHeader

    def text_for(self, protocol: str) -> str:
        if self.structure is None:
            return self.message
        return self.structure.get(protocol, self.structure["default"])


@dataclass
class Fanout:
    """What a publish writes: messages by queue and outbox rows; then what it wrote."""

    for_queues: dict[str, list[tuple[SubscriptionRecord, QueueMessage, dict[str, Any]]]] = field(default_factory=dict)
    deliveries: list[NewDelivery] = field(default_factory=list)
    queues: list[int] = field(default_factory=list)  # written in the unit of work
    refused: list[NewDelivery] = field(default_factory=list)  # what a queue refused, to the outbox


def check_entry(req: dict[str, Any], *, to_endpoint: bool = False) -> Entry:
    """One message as Publish checks it; ``to_endpoint``: published to a platform endpoint,
    where a JSON message structure needs no ``default`` (the platform's key suffices)."""
    message = req.get("Message")
    if message is None or message == "":
        raise invalid("Empty message")
    subject = req.get("Subject")
    if subject is not None:
        if (subject == "" or len(subject) > MAX_SUBJECT or not subject.isascii()
                or any(ord(c) < 32 for c in subject)):
            raise invalid("Subject")
    structure = None
    if req.get("MessageStructure") is not None:
        if req["MessageStructure"] != "json":
            raise invalid("MessageStructure")
        try:
            parsed = jsondoc.loads(message)
        except ValueError:  # nested past the limit as well
            raise invalid("Message Structure - JSON message body failed to parse") from None
        if not isinstance(parsed, dict):
            raise invalid("Message Structure - JSON message body failed to parse")
        if not isinstance(parsed.get("default"), str) and not to_endpoint:
            raise invalid("Message Structure - No default entry in JSON message body")
        # a protocol whose value is not a string is ignored: its subscribers get the default
        structure = {k: v for k, v in parsed.items() if isinstance(v, str)}
    attributes = dict(req.get("MessageAttributes") or {})
    size = len(message.encode("utf-8"))
    for name, attr in attributes.items():
        kind = attr.get("DataType") or ""
        _check_attribute_name(name)
        base, dot, custom = kind.partition(".")
        if base not in ("String", "Number", "Binary") or (dot and not custom):
            raise _attr_invalid(f"The message attribute '{name}' has an invalid message attribute type, the set of "
                                "supported type prefixes is Binary, Number, and String.")
        value = attr.get("BinaryValue") if base == "Binary" else attr.get("StringValue")
        other = attr.get("StringValue") if base == "Binary" else attr.get("BinaryValue")
        if value is None and other is not None:
            field_name = "Binary" if base == "Binary" else "String"
            raise _attr_invalid(f"The message attribute '{name}' with type '{base}' must use field '{field_name}'.")
        if value is None or len(value) == 0:
            raise _attr_invalid(f"The message attribute '{name}' must contain non-empty message attribute value "
                                f"for message attribute type '{base}'.")
        if base == "Number" and not _NUMBER.fullmatch(value.strip()):
            raise _attr_invalid(f"Could not cast message attribute '{name}' value to number.")
        if kind == "String.Array":
            try:
                array = jsondoc.loads(value)
            except ValueError:  # nested past the limit as well
                array = None
            if not isinstance(array, list):
                raise _attr_invalid(f"The message attribute '{name}' with type 'String.Array' has to be an array.")
        size += len(name.encode()) + len(kind.encode()) + (len(value) if base == "Binary" else len(value.encode()))
    group, dedup = req.get("MessageGroupId"), req.get("MessageDeduplicationId")
    if group is not None and not _TOKEN.fullmatch(group):
        raise invalid("MessageGroupId Reason: The MessageGroupId can contain up to 128 alphanumeric characters "
                      "and punctuation")
    if dedup is not None and not _TOKEN.fullmatch(dedup):
        raise invalid("MessageDeduplicationId Reason: The MessageDeduplicationId can contain up to 128 "
                      "alphanumeric characters and punctuation")
    return Entry(message, subject, attributes, structure, group, dedup, size)


def check_for_topic(entry: Entry, topic: TopicRecord, *, whole_batch: bool = False) -> None:
    """The topic's rules for one entry. ``whole_batch``: only the rules that fail a whole
    PublishBatch (its size is checked on the batch's total)."""
    limit = int(topic.attributes.get("MaximumMessageSize", DEFAULT_MAX_MESSAGE_SIZE))
    if entry.size > limit and not whole_batch:
        raise invalid("Message too long")
    if topic.fifo:
        if entry.group_id is None:
            raise invalid("The MessageGroupId parameter is required for FIFO topics")
        if entry.dedup_id is None:
            if topic.attributes.get("ContentBasedDeduplication") != "true":
                raise invalid("The topic should either have ContentBasedDeduplication enabled or "
                              "MessageDeduplicationId provided explicitly")
            if not whole_batch:
                entry.dedup_id = hashlib.sha256(entry.message.encode("utf-8")).hexdigest()
    elif entry.dedup_id is not None:
        raise invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that "
                      "is not valid for this topic type")


class PublishOperations:
    """Publish, PublishBatch, and ``publish_on_behalf`` for eventyard's own publishers.

    ``platform`` answers whether an endpoint takes a direct Publish; ``subscriptions``
    caches each topic's subscriptions and filter policies; queue subscriptions are written
    through ``queue_writer`` in the publish's unit of work, the rest through the outbox
    that ``runtime`` delivers."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, directory: TopicDirectory, signer: Signer,
                 subscriptions: SubscriptionCache, metrics: TopicMetrics, queue_writer: QueueWriter,
                 platform: PlatformOperations) -> None:
        self.store = store
        self.runtime = runtime
        self.directory = directory
        self.signer = signer
        self.subscriptions = subscriptions
        self.metrics = metrics
        self.queue_writer = queue_writer
        self.platform = platform
        self.history = TopicHistory()  # the console's fan-out record (--event-history)
        # where clients reach this node, for the URLs in messages that no request carries
        # (an EventBridge rule publishing to a topic): the last SNS request's, or the default
        self.public_url = "http://localhost:4566"
        self._signing: ThreadPoolExecutor | None = None  # made on first use, in the serving process

    async def publish(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        if req.get("PhoneNumber") is not None and not req.get("TopicArn") and not req.get("TargetArn"):
            number = req["PhoneNumber"]
            if not _PUBLISH_PHONE.fullmatch(number):
                raise invalid(f"PhoneNumber Reason: {number} is not valid to publish to")
            check_entry(req)  # a direct SMS: accepted, not delivered (eventyard sends no SMS)
            return {"MessageId": ids.uuid4()}
        topic_arn = req.get("TopicArn") or req.get("TargetArn")
        if topic_arn is None:
            if req.get("TopicArn") is None and req.get("TargetArn") is None:
                raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
            topic_arn = ""  # an empty ARN is a malformed one: "not 1" element, as AWS says
        field_name = "TopicArn" if req.get("TopicArn") is not None else "TargetArn"
        parsed = check_arn(topic_arn, field_name, region=ctx.region)
        if parsed.resource.startswith("endpoint/"):
            # the endpoint is looked at before the message: a disabled one is reported first
            await self.platform.check_endpoint_publishable(topic_arn, ctx)
            check_entry(req, to_endpoint=True)
            return {"MessageId": ids.uuid4()}  # mobile push: accepted, not delivered
        entry = check_entry(req)
        if parsed.account != ctx.account:
            await self.directory.topic(topic_arn, caller=ctx.account,
                                       principal_arn=ctx.principal_arn, action="Publish", region=ctx.region)
        result = (await self._publish(ctx, topic_arn, [entry]))[0]
        if isinstance(result, ServiceError):
            raise result
        return result

    async def publish_batch(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        topic_arn = req["TopicArn"]
        check_arn(topic_arn, "TopicArn", region=ctx.region)
        entries = list(_batches.check_entries(req.get("PublishBatchRequestEntries"), BATCH_RULES, MAX_BATCH))
        ids = [e.get("Id", "") for e in entries]
        # AWS refuses the whole request when any entry is invalid (attributes, message
        # structure, FIFO group and deduplication ids), with the error Publish would give
        checked: list[Entry | ServiceError] = [check_entry(e) for e in entries]
        cached = self.subscriptions.peek(topic_arn)
        if cached is not None and cached.topic.account_id == ctx.account:
            topic = cached.topic
        else:
            topic = await self.directory.topic(topic_arn, caller=ctx.account,
                                               principal_arn=ctx.principal_arn, action="Publish", region=ctx.region)
        for entry in checked:
            assert isinstance(entry, Entry)
            check_for_topic(entry, topic, whole_batch=True)
        limit = int(topic.attributes.get("MaximumMessageSize", DEFAULT_MAX_MESSAGE_SIZE))
        if sum(c.size for c in checked if isinstance(c, Entry)) > limit:
            raise ServiceError("BatchRequestTooLongException",
                               "The length of all the messages put together is more than the limit.")
        valid = [c for c in checked if isinstance(c, Entry)]
        published = iter(await self._publish(ctx, topic_arn, valid)) if valid else iter(())
        successful, failed = [], []
        for entry_id, c in zip(ids, checked):
            outcome: dict[str, Any] | ServiceError = c if isinstance(c, ServiceError) else next(published)
            if isinstance(outcome, ServiceError):
                failed.append({"Id": entry_id, "Code": _WIRE_CODES.get(outcome.code, outcome.code),
                               "Message": outcome.message, "SenderFault": outcome.sender_fault})
            else:
                successful.append({"Id": entry_id, **outcome})
        return {"Successful": successful, "Failed": failed}

    async def publish_on_behalf(self, publisher: str, region: str, topic_arn: str, message: str, *,
                                group_id: str | None = None, dedup_id: str | None = None) -> str:
        """Publish ``message`` to a topic from inside eventyard (an EventBridge rule's target,
        next a state machine's task) for the ``publisher`` account: checked as Publish
        checks a message, and against the topic's policy when the topic is another
        account's. Returns the MessageId; raises the ServiceError Publish would answer.
        ``dedup_id`` counts on FIFO topics only."""
        request: dict[str, str] = {"Message": message}
        if group_id is not None:
            request["MessageGroupId"] = group_id
        if dedup_id is not None and topic_arn.endswith(".fifo"):
            request["MessageDeduplicationId"] = dedup_id
        entry = check_entry(request)
        if topic_arn.split(":")[4:5] != [publisher]:
            await self.directory.topic(topic_arn, caller=publisher, action="Publish")
        context = RequestContext(account=publisher, region=region, base_url=self.public_url)
        [result] = await self._publish(context, topic_arn, [entry])
        if isinstance(result, ServiceError):
            raise result
        return str(result["MessageId"])

    # -- the unit of work --------------------------------------------------------------
    async def _publish(self, ctx: RequestContext, topic_arn: str,
                       entries: list[Entry]) -> list[dict[str, Any] | ServiceError]:
        key = await self.signer.key()
        now = clock.now_ms()
        base_url = ctx.base_url
        trace = ctx.trace_header
        if trace and trace.isascii() and trace.isprintable() and len(trace) <= 1024:
            for entry in entries:  # AWS passes the publisher's X-Ray header on to SQS subscribers
                entry.trace_header = trace
        self.public_url = base_url
        # Standard topics: ids, signatures and envelopes are made here, outside the store's
        # writer, from this node's cached subscriptions; the unit of work only checks that
        # the cache still matches the topic's version and writes. Otherwise (no cache, a
        # stale one, FIFO topics) the unit of work does it all.
        cached = self.subscriptions.peek(topic_arn)
        if cached is None:  # this node's first publish to the topic since it changed: cache it
            cached = await self.store.read(lambda s: self.subscriptions.get(s, topic_arn))
        planned = await self._plan(cached, entries, key, base_url, now) if cached and not cached.topic.fifo else None

        def unit(s: Session) -> tuple[list[dict[str, Any] | ServiceError], Fanout]:
            subs = self.subscriptions.get(s, topic_arn)
            if subs is None:
                raise topic_not_found()
            if planned is not None and subs is cached:
                results, plan = planned
            else:
                results, plan = self._plan_in(s, subs, entries, key, base_url, now)
            fanout = Fanout(for_queues=plan.for_queues, deliveries=plan.deliveries)
            s.deliveries.add(fanout.deliveries)
            self._write_queues(s, fanout, subs.topic, now)
            if self.history.keep:
                self.history.record(s, subs, entries, results, fanout, DELIVERED, now)
            return results, fanout

        results, fanout = await self.store.write(unit)
        if fanout.queues:
            self.queue_writer.signal(fanout.queues)
        if fanout.deliveries or fanout.refused:
            self.runtime.kick()
        self.metrics.count_published(topic_arn, sum(1 for r in results if isinstance(r, dict)))
        # queue subscriptions were delivered in the unit of work; what a queue refused
        # goes on through the outbox and is counted there
        self.metrics.count_delivered(topic_arn, "sqs", sum(map(len, fanout.for_queues.values())) - len(fanout.refused))
        return results

    @staticmethod
    def _checked(entries: list[Entry], topic: TopicRecord) -> list[dict[str, Any] | ServiceError]:
        results: list[dict[str, Any] | ServiceError] = []
        for entry in entries:
            try:
                check_for_topic(entry, topic)
            except ServiceError as err:
                results.append(err)
                continue
            results.append({})
        return results

    async def _plan(self, subs: TopicSubscriptions, entries: list[Entry], key: SigningKey, base_url: str,
                    now: int) -> tuple[list[dict[str, Any] | ServiceError], Fanout]:
        """A standard topic's fan-out, made without the store. The signatures (an RSA
        operation each, the bulk of a publish's CPU) are made in a thread pool, one per
        message and text however many subscriptions get it, so that the event loop serves
        other requests meanwhile and the signing of concurrent publishes spreads over the
        cores; subscriptions that get no signed envelope (raw delivery) cost none."""
        topic = subs.topic
        results = self._checked(entries, topic)
        accepted: list[tuple[int, str, list[SubscriptionRecord]]] = []
        to_sign: dict[tuple[int, str], str] = {}  # (entry, text) -> the string its signature covers
        ts = envelope.timestamp(now)
        for i, entry in enumerate(entries):
            if not isinstance(results[i], dict):
                continue
            message_id = ids.uuid4()
            results[i] = {"MessageId": message_id}
            matched = subs.matching(entry.message, entry.attributes)
            accepted.append((i, message_id, matched))
            for sub in matched:
                if sub.protocol in DELIVERED and sub.attributes.get("RawMessageDelivery") != "true":
                    text = entry.text_for(sub.protocol)
                    if (i, text) not in to_sign:
                        to_sign[(i, text)] = envelope.canonical_notification(text, message_id, entry.subject, ts,
                                                                             topic.arn)
        signatures: dict[int, dict[str, str]] = {}
        if to_sign:
            if self._signing is None:
                self._signing = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="sns-sign")
            made = await asyncio.get_running_loop().run_in_executor(
                self._signing, key.sign_all, list(to_sign.values()), topic.attributes.get("SignatureVersion", "1"))
            for (i, text), signature in zip(to_sign, made):
                signatures.setdefault(i, {})[text] = signature
        plan = Fanout()
        for i, message_id, matched in accepted:
            self._fan_out(plan, subs, entries[i], message_id, None, key, base_url, now, matched=matched,
                          signatures=signatures.get(i))
        return results, plan

    def _plan_in(self, s: Session, subs: TopicSubscriptions, entries: list[Entry], key: SigningKey, base_url: str,
                 now: int) -> tuple[list[dict[str, Any] | ServiceError], Fanout]:
        """Inside the unit of work: any topic's fan-out, FIFO sequence numbers and
        deduplication included."""
        topic = subs.topic
        results = self._checked(entries, topic)
        plan = Fanout()
        accepted = [i for i, r in enumerate(results) if isinstance(r, dict)]
        if not accepted:
            return results, plan
        sequence = s.topics.next_sequences(topic.id, len(accepted)) if topic.fifo else 0
        by_group = topic.attributes.get("FifoThroughputScope") == "MessageGroup"
        for i in accepted:
            entry = entries[i]
            message_id = ids.uuid4()
            seq_text = None
            if topic.fifo:
                assert entry.dedup_id is not None
                scope_key = (entry.group_id or "") if by_group else ""
                seq_text = str(SEQUENCE_BASE + sequence)
                sequence += 1
                dup = s.topics.duplicate(topic.id, scope_key, entry.dedup_id, now)
                if dup is not None:  # accepted again, delivered once
                    results[i] = {"MessageId": dup.message_id, "SequenceNumber": dup.sequence}
                    continue
                s.topics.remember(topic.id, scope_key, entry.dedup_id, message_id, seq_text, now + DEDUP_WINDOW_MS)
            results[i] = {"MessageId": message_id, **({"SequenceNumber": seq_text} if seq_text else {})}
            self._fan_out(plan, subs, entry, message_id, seq_text, key, base_url, now)
        return results, plan

    def _fan_out(self, fanout: Fanout, subs: TopicSubscriptions, entry: Entry, message_id: str,
                 sequence: str | None, key: SigningKey, base_url: str, now: int, *,
                 matched: list[SubscriptionRecord] | None = None, signatures: Mapping[str, str] | None = None) -> None:
        """``matched``: the subscriptions taking the message, if known; ``signatures``: by
        text, made beforehand (else signed here)."""
        topic = subs.topic
        notifications: dict[str, envelope.Notification] = {}
        signature_version = topic.attributes.get("SignatureVersion", "1")
        source: ServiceSource | None = None

        def notification(text: str) -> envelope.Notification:
            found = notifications.get(text)
            if found is None:
                found = notifications[text] = envelope.Notification(
                    message=text, message_id=message_id, topic_arn=topic.arn, subject=entry.subject, now_ms=now,
                    attributes=entry.attributes, base_url=base_url, key=key, signature_version=signature_version,
                    sequence=sequence, signature=signatures.get(text) if signatures else None)
            return found

        for sub in subs.matching(entry.message, entry.attributes) if matched is None else matched:
            if sub.protocol not in DELIVERED:
                continue
            raw = sub.attributes.get("RawMessageDelivery") == "true"
            text = entry.text_for(sub.protocol)
            body = text if raw else notification(text).for_subscription(sub.arn)
            context = {"subscription_arn": sub.arn, "topic_arn": topic.arn, "protocol": sub.protocol,
                       "message_id": message_id, "published_at": now,
                       "dead_letter_arn": subs.dead_letters.get(sub.arn)}
            if sub.protocol == "sqs":
                # from a FIFO topic, a standard queue gets the message without its group
                source = source or ServiceSource("sns.amazonaws.com", topic.arn)
                message = QueueMessage(body, attributes=_sqs_attributes(entry.attributes) if raw else None,
                                       trace_header=entry.trace_header, group_id=entry.group_id,
                                       dedup_id=entry.dedup_id, fifo_group_only=topic.fifo, via=source)
                fanout.for_queues.setdefault(sub.endpoint, []).append((sub, message, context))
                continue
            payload: dict[str, Any] = {"body": body, "context": context}
            if sub.protocol in ("http", "https"):
                policy = delivery_policy.effective_http_policy(topic.attributes.get("DeliveryPolicy"),
                                                               sub.attributes.get("DeliveryPolicy"))
                context["policy"] = policy.as_dict()
                payload["headers"] = envelope.http_headers("Notification", message_id, topic.arn, sub.arn, raw=raw,
                                                           content_type=policy.content_type)
                target = {"url": sub.endpoint, "subscription_arn": sub.arn}
            else:
                target = {"arn": sub.endpoint}
            fanout.deliveries.append(NewDelivery(origin="sns", account_id=topic.account_id, region=topic.region,
                                                 target_kind=sub.protocol, target=target, payload=payload,
                                                 created_at=now, due_at=now))

    def _write_queues(self, s: Session, fanout: Fanout, topic: TopicRecord, now: int) -> None:
        for queue_arn, items in fanout.for_queues.items():
            write = self.queue_writer.write(s, queue_arn, [message for _, message, _ in items],
                                            sender=topic.account_id, now=now)
            if write.queue_id is not None:
                fanout.queues.append(write.queue_id)
            for i in write.refused:
                _, message, context = items[i]
                payload: dict[str, Any] = {"body": message.body, "context": context}
                if message.attributes:
                    # raw delivery's attributes, kept for the dead-letter copy; binary values as
                    # base64 (the outbox payload is JSON)
                    context["raw_attributes"] = _json_safe(message.attributes)
                if message.dedup_id is not None:
                    payload["dedup_id"] = message.dedup_id
                if message.trace_header is not None:
                    payload["trace_header"] = message.trace_header
                target: dict[str, Any] = {"arn": queue_arn}
                if message.group_id is not None:
                    target["group_id"] = message.group_id
                fanout.refused.append(NewDelivery(origin="sns", account_id=topic.account_id, region=topic.region,
                                                  target_kind="sqs", target=target, payload=payload,
                                                  created_at=now, due_at=now))
        s.deliveries.add(fanout.refused)


def _json_safe(attributes: Mapping[str, MessageAttribute]) -> dict[str, dict[str, str]]:
    out = {}
    for name, attr in attributes.items():
        if attr.binary_value is not None:
            out[name] = {"DataType": attr.data_type, "BinaryBase64": base64.b64encode(attr.binary_value).decode()}
        else:
            out[name] = {"DataType": attr.data_type, "StringValue": attr.string_value or ""}
    return out


def sqs_attributes_from_json(attributes: dict[str, dict[str, str]]) -> dict[str, MessageAttribute]:
    """``_json_safe``'s inverse."""
    out: dict[str, MessageAttribute] = {}
    for name, attr in attributes.items():
        if "BinaryBase64" in attr:
            out[name] = MessageAttribute(attr["DataType"], binary_value=base64.b64decode(attr["BinaryBase64"]))
        else:
            out[name] = MessageAttribute(attr["DataType"], attr["StringValue"])
    return out


def _sqs_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, MessageAttribute] | None:
    """Raw delivery: the message's attributes become the SQS message's."""
    if not attributes:
        return None
    out = {}
    for name, attr in attributes.items():
        if attr.get("BinaryValue") is not None:
            out[name] = MessageAttribute(attr["DataType"], binary_value=bytes(attr["BinaryValue"]))
        else:
            out[name] = MessageAttribute(attr["DataType"], attr.get("StringValue", ""))
    return out


__all__ = ["PublishOperations", "arns"]
