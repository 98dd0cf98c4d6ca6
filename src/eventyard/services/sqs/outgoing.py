"""Turning a SendMessage request (or batch entry), or a message another service puts on
a queue, into a stored message, and a stored message back into a ReceiveMessage
``Message``."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from eventyard.core import ids
from eventyard.services.sqs import errors, md5, receipts, validation
from eventyard.services.sqs.attributes import QueueSettings
from eventyard.services.sqs.types import QueueMessage
from eventyard.store.messages import NewMessage, StoredMessage

BATCH_LIMIT = 1_048_576  # a whole SendMessageBatch, whatever the queue's MaximumMessageSize
_NO_DEDUPLICATION = (
    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
)


@dataclass(frozen=True)
class Outgoing:
    message: NewMessage
    md5_of_body: str


def prepare(entry: dict[str, Any], settings: QueueSettings, *, sender: str, now: int,
            trace_header: str | None = None) -> Outgoing:
    """Check one SendMessage request or batch entry against the queue's rules.

    ``trace_header``: the request's X-Amzn-Trace-Id, carried as the AWSTraceHeader system
    attribute unless the entry gives one itself (AWS's X-Ray propagation)."""
    body = validation.body(entry.get("MessageBody"))
    delay = validation.delay(entry.get("DelaySeconds"), fifo=settings.fifo)
    attributes, attribute_size = validation.message_attributes(entry.get("MessageAttributes"))
    system = validation.system_attributes(entry.get("MessageSystemAttributes"))
    if trace_header and not system:
        system = validation.trace_header(trace_header)
    return _checked(body, delay, attributes, attribute_size, system, entry.get("MessageGroupId"),
                    entry.get("MessageDeduplicationId"), settings, sender, now)


def prepare_message(message: QueueMessage, settings: QueueSettings, *, sender: str, now: int) -> Outgoing:
    """``prepare`` for a message another service puts on the queue: the same checks."""
    body = validation.body(message.body)
    delay = validation.delay(message.delay_seconds, fifo=settings.fifo)
    attributes, attribute_size = validation.typed_message_attributes(message.attributes)
    system = validation.trace_header(message.trace_header) if message.trace_header is not None else {}
    group = message.group_id if settings.fifo or not message.fifo_group_only else None
    dedup = message.dedup_id if settings.fifo else None
    return _checked(body, delay, attributes, attribute_size, system, group, dedup, settings, sender, now)


def _checked(body: str, delay: int | None, attributes: dict[str, dict[str, Any]], attribute_size: int,
             system: dict[str, dict[str, Any]], group: str | None, dedup: str | None, settings: QueueSettings,
             sender: str, now: int) -> Outgoing:
    """The rules of the queue that hold for any sender, and the message to store."""
    validation.message_size(body, attribute_size, settings.maximum_message_size)
    if group is not None:
        validation.token("MessageGroupId", group)
    if dedup is not None:
        validation.token("MessageDeduplicationId", dedup)
    if settings.fifo:
        if group is None:
            raise errors.missing("MessageGroupId")
        if dedup is None:
            if not settings.content_based_deduplication:
                raise errors.invalid(_NO_DEDUPLICATION)
            dedup = hashlib.sha256(body.encode("utf-8")).hexdigest()
    elif dedup is not None:
        raise errors.invalid_value(
            "MessageDeduplicationId", dedup, "The request includes a parameter that is not valid for this queue type."
        )
    # On a FIFO queue only 0 may be given per message, and it means the queue's delay (AWS).
    delay_seconds = settings.delay if delay is None or settings.fifo else delay
    return Outgoing(
        NewMessage(
            message_id=ids.uuid4(),
            body=body,
            attributes=_dump(attributes),
            attributes_md5=md5.of_attributes(attributes),
            system_attributes=_dump(system),
            system_attributes_md5=md5.of_attributes(system),
            sender_id=sender,
            sent_at=now,
            visible_at=now + delay_seconds * 1000,
            expires_at=now + settings.retention * 1000,
            group_id=group,
            dedup_id=dedup,
        ),
        md5.of_body(body),
    )


def check_fifo_batch(entries: list[dict[str, Any]], settings: QueueSettings) -> None:
    """A FIFO SendMessageBatch entry without a group, or without a deduplication id where
    the queue does not derive one, fails the whole request, not the entry (AWS, recorded)."""
    for entry in entries:
        if entry.get("MessageGroupId") is None:
            raise errors.invalid("The request must contain the parameter MessageGroupId.")
        if entry.get("MessageDeduplicationId") is None and not settings.content_based_deduplication:
            raise errors.invalid(_NO_DEDUPLICATION)


def raw_size(entry: dict[str, Any]) -> int:
    """What a batch entry counts toward the batch limit, before any check."""
    size = len((entry.get("MessageBody") or "").encode("utf-8"))
    for name, value in (entry.get("MessageAttributes") or {}).items():
        size += len(name.encode()) + len((value.get("DataType") or "").encode())
        size += len((value.get("StringValue") or "").encode()) + len(value.get("BinaryValue") or b"")
    return size


def sent(outgoing: Outgoing, message_id: str, seq: int | None) -> dict[str, Any]:
    m = outgoing.message
    out: dict[str, Any] = {"MessageId": message_id, "MD5OfMessageBody": outgoing.md5_of_body}
    if m.attributes_md5:
        out["MD5OfMessageAttributes"] = m.attributes_md5
    if m.system_attributes_md5:
        out["MD5OfMessageSystemAttributes"] = m.system_attributes_md5
    if seq is not None:
        out["SequenceNumber"] = sequence_number(seq)
    return out


def sequence_number(seq: int) -> str:
    return f"{seq:020d}"  # AWS's are 20-digit numbers; zero padding keeps text order numeric


def _dump(attributes: dict[str, dict[str, Any]]) -> str | None:
    if not attributes:
        return None
    plain = {
        name: ({"DataType": v["DataType"], "BinaryValue": base64.b64encode(v["BinaryValue"]).decode()}
               if "BinaryValue" in v else v)
        for name, v in attributes.items()
    }
    return orjson.dumps(plain).decode()


def _load(text: str | None) -> dict[str, dict[str, Any]]:
    if not text:
        return {}
    data: dict[str, dict[str, Any]] = orjson.loads(text)
    for value in data.values():
        if "BinaryValue" in value:
            value["BinaryValue"] = base64.b64decode(value["BinaryValue"])
    return data


# -- receiving ----------------------------------------------------------------------------
SYSTEM_ATTRIBUTES = (
    "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
    "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
)


def received(row: StoredMessage, queue_id: int, *, system_names: set[str], attribute_names: list[str],
             fifo: bool) -> dict[str, Any]:
    token = row.receipt_token or ""
    out: dict[str, Any] = {
        "MessageId": row.message_id,
        "ReceiptHandle": receipts.encode(queue_id, row.id, token),
        "MD5OfBody": md5.of_body(row.body),
        "Body": row.body,
    }
    system = _system_attributes(row, system_names, fifo)
    if system:
        out["Attributes"] = system
    stored = _load(row.attributes)
    selected = _select(stored, attribute_names)
    if selected:
        # SDKs check the digest against the attributes they got: it covers exactly those,
        # and there is none when none are returned (AWS, recorded).
        out["MessageAttributes"] = selected
        out["MD5OfMessageAttributes"] = row.attributes_md5 if len(selected) == len(stored) else md5.of_attributes(selected)
    return out


def _system_attributes(row: StoredMessage, names: set[str], fifo: bool) -> dict[str, str]:
    if not names:
        return {}
    wanted = set(SYSTEM_ATTRIBUTES) if "All" in names else names
    values: dict[str, str | None] = {
        "SenderId": row.sender_id,
        "SentTimestamp": str(row.sent_at),
        "ApproximateReceiveCount": str(row.receive_count),
        "ApproximateFirstReceiveTimestamp": str(row.first_received_at) if row.first_received_at else None,
        "SequenceNumber": sequence_number(row.seq) if fifo and row.seq is not None else None,
        "MessageDeduplicationId": row.dedup_id if fifo else None,
        "MessageGroupId": row.group_id,
        "DeadLetterQueueSourceArn": row.dead_letter_source_arn,
    }
    trace = _load(row.system_attributes).get("AWSTraceHeader")
    values["AWSTraceHeader"] = trace["StringValue"] if trace else None
    return {k: v for k, v in values.items() if k in wanted and v is not None}


def _select(stored: dict[str, dict[str, Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    """The attributes ``MessageAttributeNames`` selects, as AWS answers: ``All``, ``*`` and
    ``.*`` take every one, ``prefix.*`` those whose name starts with ``prefix`` (``Hel.*``
    takes ``Hello``), others by name; names no attribute can have (``AWS.``, ``..x``) are
    ignored, not refused."""
    wanted = [n for n in names if n in _EVERY or validation.attribute_name_selector(n)]
    if not stored or not wanted:
        return {}
    if any(n in _EVERY for n in wanted):
        return stored
    prefixes = tuple(n[:-2] for n in wanted if n.endswith(".*"))
    exact = set(wanted)
    return {k: v for k, v in stored.items() if k in exact or (prefixes and k.startswith(prefixes))}


_EVERY = frozenset({"All", "*", ".*"})
