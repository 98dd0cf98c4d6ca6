"""Tags, the same mechanics on every service: at most 50 per resource (counted after
merging with the tags a resource has), keys of 1-128 and values of at most 256
characters, ``aws:`` keys reserved; stored by ARN in ``store/tags.py``.

What differs per service is only the wording, so every check takes the caller's error
(a factory, called only on refusal): SQS's ``InvalidParameterValue`` naming the queue,
SNS's ``TagLimitExceededException``, EventBridge's ``ValidationException``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from eventyard.core.errors import ServiceError
from eventyard.store import Session

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"

Refusal = Callable[[], ServiceError]
Refusal1 = Callable[[str], ServiceError]


def from_list(given: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """``[{"Key": k, "Value": v}, ...]`` (SNS's and EventBridge's shape) as a mapping; a
    repeated key keeps its last value."""
    return {t["Key"]: t["Value"] for t in given}


def as_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def check_count(tags: Mapping[str, str], too_many: Refusal) -> None:
    """Tags given at creation: at most MAX_TAGS."""
    if len(tags) > MAX_TAGS:
        raise too_many()


def check_keys_and_values(tags: Mapping[str, str], *, bad_key: Refusal1, bad_value: Refusal1,
                          reserved_key: Refusal1) -> dict[str, str]:
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise bad_key(key)
        if len(value) > MAX_VALUE_LENGTH:
            raise bad_value(value)
        if key.lower().startswith(RESERVED_PREFIX):
            raise reserved_key(key)
    return dict(tags)


def of(s: Session, arn: str) -> dict[str, str]:
    return s.tags.get(arn)


def add(s: Session, arn: str, tags: Mapping[str, str], too_many: Refusal) -> None:
    """Tag an existing resource (inside the caller's unit of work): the merged set may
    hold at most MAX_TAGS; a key given again takes its new value."""
    if len(set(s.tags.get(arn)) | set(tags)) > MAX_TAGS:
        raise too_many()
    s.tags.put(arn, dict(tags))


def remove(s: Session, arn: str, keys: Iterable[str]) -> None:
    s.tags.remove(arn, list(keys))
