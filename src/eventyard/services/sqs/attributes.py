"""Queue attributes: defaults, checks, and the settings they stand for.

Stored values are strings spelled as GetQueueAttributes returns them, so a queue's
record compares directly with the attributes of a repeated CreateQueue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import orjson

from eventyard.services.sqs import errors, urls

DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",  # 1 MiB since August 2025
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
_OPTIONAL = ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId")  # "" removes them
_BOOLEANS = ("SqsManagedSseEnabled", "ContentBasedDeduplication", "FifoQueue")
_FIFO_ONLY = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
SETTABLE = frozenset(_RANGES) | frozenset(_OPTIONAL) | frozenset(_BOOLEANS) | frozenset(_FIFO_ONLY)
COMPUTED = (
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
)
ALL_NAMES = frozenset(COMPUTED) | SETTABLE
_INTEGER = re.compile(r"^-?[0-9]+$")  # ASCII digits: Python's \d takes any script's
MAX_RECEIVE_COUNT = 1000
MAX_SOURCE_QUEUE_ARNS = 10


@dataclass(frozen=True)
class RedrivePolicy:
    dead_letter_target_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class QueueSettings:
    """A queue's attributes as numbers and flags (durations in seconds)."""

    fifo: bool
    visibility_timeout: int
    delay: int
    maximum_message_size: int
    retention: int
    receive_wait: int
    redrive: RedrivePolicy | None
    content_based_deduplication: bool
    deduplication_scope: str
    throughput_limit: str


def settings(attributes: Mapping[str, str], *, fifo: bool) -> QueueSettings:
    def get(name: str) -> str:
        return attributes.get(name) or DEFAULTS.get(name) or FIFO_DEFAULTS.get(name, "")

    redrive = None
    if attributes.get("RedrivePolicy"):
        data = orjson.loads(attributes["RedrivePolicy"])
        redrive = RedrivePolicy(data["deadLetterTargetArn"], int(data["maxReceiveCount"]))
    return QueueSettings(
        fifo=fifo,
        visibility_timeout=int(get("VisibilityTimeout")),
        delay=int(get("DelaySeconds")),
        maximum_message_size=int(get("MaximumMessageSize")),
        retention=int(get("MessageRetentionPeriod")),
        receive_wait=int(get("ReceiveMessageWaitTimeSeconds")),
        redrive=redrive,
        content_based_deduplication=fifo and get("ContentBasedDeduplication") == "true",
        deduplication_scope=get("DeduplicationScope") if fifo else "queue",
        throughput_limit=get("FifoThroughputLimit") if fifo else "perQueue",
    )


def initial(fifo: bool) -> dict[str, str]:
    return {**DEFAULTS, **(FIFO_DEFAULTS if fifo else {})}


def check(given: Mapping[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """Normalized values of ``given``; "" for an optional attribute means remove it."""
    out: dict[str, str] = {}
    for name, value in given.items():
        if name not in SETTABLE or (name in _FIFO_ONLY and not fifo and not (name == "FifoQueue" and creating)):
            raise errors.unknown_attribute(name)
        out[name] = _check_one(name, value)
    if out.get("FifoQueue") == "false" and fifo:
        raise errors.bad_attribute_value("FifoQueue", "Modifying queue type is not supported.")
    if out.get("FifoQueue") == "true" and not fifo:
        if creating:
            raise errors.invalid(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                "must end with .fifo suffix and be 1 to 80 in length."
            )
        raise errors.unknown_attribute("FifoQueue")
    return out


def _check_one(name: str, value: str) -> str:
    if name in _RANGES:
        low, high = _RANGES[name]
        if not _INTEGER.match(value.strip()) or not low <= int(value) <= high:
            raise errors.bad_attribute_value(name)
        return str(int(value))
    if name in _BOOLEANS:
        if value.lower() not in ("true", "false"):
            raise errors.bad_attribute_value(name)
        return value.lower()
    if name == "DeduplicationScope":
        if value not in ("queue", "messageGroup"):
            raise errors.bad_attribute_value(name)
        return value
    if name == "FifoThroughputLimit":
        if value not in ("perQueue", "perMessageGroupId"):
            raise errors.bad_attribute_value(name)
        return value
    if value == "":
        return value
    if name == "Policy":
        return _policy(value)
    if name == "RedrivePolicy":
        return _redrive_policy(value)
    if name == "RedriveAllowPolicy":
        return _redrive_allow_policy(value)
    return value  # KmsMasterKeyId


def _policy(value: str) -> str:
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise errors.bad_attribute_value("Policy", "Policy is not a valid JSON document.")
    return value


def _json_map(name: str, value: str, what: str) -> dict[str, Any]:
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise errors.invalid_value(name, value, f"{what} is not a valid JSON map.")
    return data


def _redrive_policy(value: str) -> str:
    data = _json_map("RedrivePolicy", value, "Redrive policy")
    for key in ("deadLetterTargetArn", "maxReceiveCount"):
        if key not in data:
            raise errors.invalid_value("RedrivePolicy", value, f"Redrive policy does not contain mandatory attribute: {key}.")
    unknown = set(data) - {"deadLetterTargetArn", "maxReceiveCount"}
    if unknown:
        raise errors.invalid_value("RedrivePolicy", value, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
    count = data["maxReceiveCount"]
    if isinstance(count, str) and _INTEGER.match(count):
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RECEIVE_COUNT:
        raise errors.invalid_value(
            "RedrivePolicy", value,
            f"Invalid value for maxReceiveCount: {data['maxReceiveCount']}, valid values are from 1 to {MAX_RECEIVE_COUNT} both inclusive.",
        )
    target = data["deadLetterTargetArn"]
    if not isinstance(target, str) or urls.parse_arn(target) is None:
        raise errors.invalid_value("RedrivePolicy", value, "Invalid value for deadLetterTargetArn.")
    return orjson.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}).decode()


def _redrive_allow_policy(value: str) -> str:
    data = _json_map("RedriveAllowPolicy", value, "Redrive allow policy")
    permission = data.get("redrivePermission")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise errors.invalid_value(
            "RedriveAllowPolicy", value, "Redrive permission must be one of allowAll, denyAll or byQueue."
        )
    sources = data.get("sourceQueueArns")
    out: dict[str, Any] = {"redrivePermission": permission}
    if permission == "byQueue":
        if not isinstance(sources, list) or not sources or not all(isinstance(a, str) for a in sources):
            raise errors.invalid_value(
                "RedriveAllowPolicy", value, "sourceQueueArns must be a non-empty list when redrivePermission is byQueue."
            )
        if len(sources) > MAX_SOURCE_QUEUE_ARNS:
            raise errors.invalid_value(
                "RedriveAllowPolicy", value, f"Maximum number of source queue ARNs is {MAX_SOURCE_QUEUE_ARNS}."
            )
        out["sourceQueueArns"] = sources
    elif sources:
        raise errors.invalid_value(
            "RedriveAllowPolicy", value, "sourceQueueArns can only be specified when redrivePermission is byQueue."
        )
    return orjson.dumps(out).decode()


def merged(current: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """``current`` with ``changes`` applied ("" removes an optional attribute)."""
    out = dict(current)
    for name, value in changes.items():
        if value == "" and name in _OPTIONAL:
            out.pop(name, None)
        else:
            out[name] = value
    # One kind of server-side encryption at a time (AWS): a KMS key turns SQS-managed
    # encryption off, and SQS-managed encryption turned on drops the key.
    if changes.get("KmsMasterKeyId"):
        if changes.get("SqsManagedSseEnabled") == "true":
            raise errors.unknown_attribute_text(
                "You can use one type of server-side encryption (SSE) at one time. "
                "You can either enable KMS SSE or SQS SSE."
            )
        out["SqsManagedSseEnabled"] = "false"
    elif changes.get("SqsManagedSseEnabled") == "true":
        out.pop("KmsMasterKeyId", None)
        out.pop("KmsDataKeyReusePeriodSeconds", None)
    if out.get("FifoThroughputLimit") == "perMessageGroupId" and out.get("DeduplicationScope") == "queue":
        raise errors.bad_attribute_value(
            "FifoThroughputLimit", "perMessageGroupId is only valid when DeduplicationScope is messageGroup."
        )
    return out


def allows_source(dead_letter_attributes: Mapping[str, str], source_arn: str) -> bool:
    """Whether a queue's RedriveAllowPolicy lets ``source_arn`` use it as dead-letter queue."""
    text = dead_letter_attributes.get("RedriveAllowPolicy")
    if not text:
        return True
    data = orjson.loads(text)
    if data["redrivePermission"] == "allowAll":
        return True
    if data["redrivePermission"] == "denyAll":
        return False
    return source_arn in data.get("sourceQueueArns", [])


def requested(names: list[str] | None) -> set[str]:
    """The attribute names a GetQueueAttributes call asks for ("All" means every one)."""
    wanted: set[str] = set()
    for name in names or []:
        if name == "All":
            wanted |= ALL_NAMES
        elif name in ALL_NAMES:
            wanted.add(name)
        else:
            raise errors.unknown_attribute(name)
    return wanted
