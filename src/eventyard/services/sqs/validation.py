"""SQS's limits on names, bodies, attributes and batches, with AWS's messages."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from eventyard.core.errors import ServiceError
from eventyard.services import _batches, _tagging
from eventyard.services.sqs import errors
from eventyard.services.sqs.types import MessageAttribute

MAX_BATCH = _batches.MAX_ENTRIES
MAX_DELAY = 900
MAX_VISIBILITY = 43_200
MAX_WAIT = 20
MAX_MESSAGE_ATTRIBUTES = 10

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
_TOKEN = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")  # group, dedup and attempt ids
# AWS documents ASCII letters and digits; it accepts the Latin letters with accents too.
_ATTRIBUTE_NAME = re.compile("^[A-Za-z0-9_.\\-\u00c0-\u017f]+$")
# XML 1.0's characters: what SQS accepts in bodies and string values.
_INVALID_CHARACTER = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DATA_TYPES = ("String", "Number", "Binary")


def queue_name(name: str, *, fifo: bool) -> None:
    if fifo:
        if not _FIFO_NAME.match(name):
            raise errors.invalid(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                "must end with .fifo suffix and be 1 to 80 in length."
            )
    elif not _QUEUE_NAME.match(name):
        raise errors.invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")


_VALID_CHARACTERS = (
    "Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
)


def text_characters(text: str) -> None:
    if _INVALID_CHARACTER.search(text):
        raise ServiceError("InvalidMessageContents", f"Invalid characters found. {_VALID_CHARACTERS}")


def _attribute_characters(name: str, text: str) -> None:
    """An attribute value with characters a body may not hold: InvalidParameterValue (AWS),
    not the body's InvalidMessageContents."""
    if _INVALID_CHARACTER.search(text):
        raise errors.invalid(f"Message (user) attribute '{name}' contains invalid characters. {_VALID_CHARACTERS}")


def body(text: str | None) -> str:
    if not text:
        raise errors.missing("MessageBody")
    text_characters(text)
    return text


def delay(value: int | None, *, fifo: bool) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= MAX_DELAY:
        raise errors.invalid_value("DelaySeconds", value, f"DelaySeconds must be >= 0 and <= {MAX_DELAY}.")
    if fifo and value > 0:
        raise errors.invalid_value(
            "DelaySeconds", value, "The request include parameter that is not valid for this queue type."
        )
    return value


def token(parameter: str, value: str) -> str:
    """MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId."""
    if not _TOKEN.match(value):
        raise errors.invalid_value(
            parameter, value,
            f"{parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.",
        )
    return value


def message_attributes(attributes: Mapping[str, Mapping[str, Any]] | None) -> tuple[dict[str, dict[str, Any]], int]:
    """Checked message attributes (values decoded) and their size in bytes."""
    if not attributes:
        return {}, 0
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise _too_many_attributes(len(attributes))
    checked: dict[str, dict[str, Any]] = {}
    size = 0
    for name, value in attributes.items():
        size += _attribute(checked, name, value.get("DataType") or "", value.get("StringValue"),
                           value.get("BinaryValue"),
                           lists=value.get("StringListValues") or value.get("BinaryListValues"))
    return checked, size


def typed_message_attributes(attributes: Mapping[str, MessageAttribute] | None) -> tuple[dict[str, dict[str, Any]], int]:
    """``message_attributes`` for attributes another service hands over, typed."""
    if not attributes:
        return {}, 0
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise _too_many_attributes(len(attributes))
    checked: dict[str, dict[str, Any]] = {}
    size = 0
    for name, value in attributes.items():
        size += _attribute(checked, name, value.data_type, value.string_value, value.binary_value)
    return checked, size


def _too_many_attributes(count: int) -> ServiceError:
    return errors.invalid(
        f"Number of message attributes [{count}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}]."
    )


def _attribute(checked: dict[str, dict[str, Any]], name: str, data_type: str, text: str | None,
               data: bytes | bytearray | None, *, lists: object = None) -> int:
    """Check one attribute into ``checked``; its size in bytes. ``lists``: its list
    values, if any, which SQS refuses (after a bad name or type)."""
    _attribute_name(name)
    base = data_type.split(".", 1)[0]
    if base not in _DATA_TYPES or len(data_type) > 256 or data_type.endswith("."):
        raise errors.invalid(
            f"The type of message (user) attribute '{name}' is invalid. You must use only the following "
            "supported type prefixes: Binary, Number, String."
        )
    if lists:
        raise errors.invalid(f"Message (user) attribute '{name}': list values are not supported.")
    if base == "Binary":
        if not data:
            raise errors.invalid(f"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.")
        checked[name] = {"DataType": data_type, "BinaryValue": bytes(data)}
        size = len(data)
    else:
        if not text:
            raise errors.invalid(f"Message (user) attribute '{name}' must contain a non-empty value of type 'String'.")
        _attribute_characters(name, text)
        if base == "Number":
            _number(name, text)
        checked[name] = {"DataType": data_type, "StringValue": text}
        size = len(text.encode("utf-8"))
    return size + len(name.encode("utf-8")) + len(data_type.encode("utf-8"))


def _attribute_name(name: str) -> None:
    if len(name) > 256:
        raise errors.invalid("Message (user) attribute name must be shorter than 256 bytes.")
    lowered = name.lower()
    if (not _ATTRIBUTE_NAME.match(name) or name.startswith(".") or name.endswith(".") or ".." in name
            or lowered.startswith(("aws.", "amazon."))):
        raise errors.invalid(
            f"Message (user) attribute name '{name}' is invalid. Names can contain alphanumeric characters, "
            "hyphens, underscores and periods, must not start or end with a period or hold two in a row, "
            "and must not start with AWS. or Amazon."
        )


def attribute_name_selector(name: str) -> bool:
    """Whether a ReceiveMessage ``MessageAttributeNames`` entry can select anything: a
    valid attribute name, or one followed by ``.*``."""
    base = name[:-2] if name.endswith(".*") else name
    try:
        _attribute_name(base)
    except ServiceError:
        return False
    return True


def _number(name: str, text: str) -> None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or len(number.as_tuple().digits) > 38:
        raise errors.invalid(f"Can't cast the value of message (user) attribute '{name}' to a number.")


def system_attributes(attributes: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """MessageSystemAttributes: only AWSTraceHeader, a String."""
    if not attributes:
        return {}
    checked: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        if name != "AWSTraceHeader":
            raise errors.invalid(f"Message system attribute name '{name}' is invalid.")
        if value.get("DataType") != "String":
            raise _no_trace_header()
        checked = trace_header(value.get("StringValue"))
    return checked


def trace_header(text: str | None) -> dict[str, dict[str, Any]]:
    """The AWSTraceHeader system attribute, checked."""
    if not text:
        raise _no_trace_header()
    _attribute_characters("AWSTraceHeader", text)
    return {"AWSTraceHeader": {"DataType": "String", "StringValue": text}}


def _no_trace_header() -> ServiceError:
    return errors.invalid("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.")


def message_size(text: str, attribute_size: int, limit: int) -> int:
    size = len(text.encode("utf-8")) + attribute_size
    if size > limit:
        raise errors.invalid(f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes.")
    return size


def _batch_rules(entry_shape: str) -> _batches.BatchRules:
    return _batches.BatchRules(
        empty=lambda: ServiceError("EmptyBatchRequest", f"There should be at least one {entry_shape} in the request."),
        too_many=lambda sent: ServiceError(
            "TooManyEntriesInBatchRequest", f"Maximum number of entries per request are {MAX_BATCH}. You have sent {sent}."),
        bad_id=lambda _: ServiceError(
            "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
            "It can be at most 80 letters long.",
        ),
        repeated_id=lambda entry_id: ServiceError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated."),
    )


_BATCH_RULES = {shape: _batch_rules(shape) for shape in (
    "SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry", "ChangeMessageVisibilityBatchRequestEntry")}


def batch_entries(entries: list[dict[str, Any]] | None, entry_shape: str) -> list[dict[str, Any]]:
    return _batches.check_entries(entries, _BATCH_RULES[entry_shape], MAX_BATCH)


def receive_limits(max_messages: int | None, visibility: int | None, wait: int | None) -> None:
    if max_messages is not None and not 1 <= max_messages <= MAX_BATCH:
        raise errors.invalid_value("MaxNumberOfMessages", max_messages, "Must be between 1 and 10, if provided.")
    if visibility is not None and not 0 <= visibility <= MAX_VISIBILITY:
        raise errors.invalid_value("VisibilityTimeout", visibility, f"Must be >= 0 and <= {MAX_VISIBILITY}, if provided.")
    if wait is not None and not 0 <= wait <= MAX_WAIT:
        raise errors.invalid_value("WaitTimeSeconds", wait, f"Must be >= 0 and <= {MAX_WAIT}, if provided.")


def visibility_timeout(value: int) -> int:
    if not 0 <= value <= MAX_VISIBILITY:
        raise errors.invalid_value("VisibilityTimeout", value, f"Must be between 0 and {MAX_VISIBILITY}, if provided.")
    return value


def tags(given: Mapping[str, str]) -> dict[str, str]:
    return _tagging.check_keys_and_values(
        given,
        bad_key=lambda key: errors.invalid_value("TagKey", key, "Tag keys must be between 1 and 128 characters long."),
        bad_value=lambda value: errors.invalid_value("TagValue", value,
                                                     "Tag values must be at most 256 characters long."),
        reserved_key=lambda key: errors.invalid_value("TagKey", key, "Tag keys must not start with aws:."),
    )


def too_many_tags(queue_name: str) -> Callable[[], ServiceError]:
    return lambda: errors.invalid(f"Too many tags added for queue {queue_name}.")
