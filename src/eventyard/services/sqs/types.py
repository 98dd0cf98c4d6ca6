"""What other services hand SQS: messages to put on a queue, typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["MessageAttribute", "QueueMessage", "ServiceSource", "attributes_from_wire"]


@dataclass(frozen=True, slots=True)
class MessageAttribute:
    """A message (user) attribute: ``String``, ``Number`` or ``Binary`` with an optional
    custom suffix (``String.Array``), and its one value."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None


@dataclass(frozen=True, slots=True)
class ServiceSource:
    """The service principal (``sns.amazonaws.com``) and the resource (a topic, a rule) a
    message is sent for: what another account's queue policy must allow."""

    principal: str
    source_arn: str


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """One message another service (EventBridge, SNS) puts on a queue, checked by the
    queue as SendMessage is.

    ``group_id``: kept on a standard queue too, unless ``fifo_group_only`` (SNS from a
    FIFO topic drops it there); ``dedup_id``: FIFO queues only, a standard queue never
    sees it. ``trace_header`` becomes the AWSTraceHeader system attribute. ``via``: set
    when the message is sent for a resource of the sender (a rule, a topic)."""

    body: str
    attributes: Mapping[str, MessageAttribute] | None = None
    trace_header: str | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    delay_seconds: int | None = None
    fifo_group_only: bool = False
    via: ServiceSource | None = None


def attributes_from_wire(given: Mapping[str, Mapping[str, Any]] | None) -> dict[str, MessageAttribute] | None:
    """Attributes as SQS's API spells them (``DataType``, ``StringValue``/``BinaryValue``),
    e.g. kept in an outbox row's JSON payload."""
    if not given:
        return None
    return {name: MessageAttribute(value.get("DataType") or "", value.get("StringValue"), value.get("BinaryValue"))
            for name, value in given.items()}
