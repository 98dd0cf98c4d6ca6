"""List operations' pages: opaque NextToken values that carry a resume key, read one
item past the page so that a token is only given when there is more.

Each service keeps its own wording: the error code (and message) for a token it cannot
read is the caller's, e.g. SQS's ``InvalidParameterValue``, SNS's
``InvalidParameterException``, EventBridge's ``ValidationException``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

import orjson

from eventyard.core.errors import ServiceError

T = TypeVar("T")

INVALID_TOKEN = "The NextToken provided is invalid."


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": key})).decode()


def decode_token(token: str, *, error_code: str = "ValidationException", message: str = INVALID_TOKEN) -> str:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        after = data["after"]
        if not isinstance(after, str):
            raise TypeError
        return after
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise ServiceError(error_code, message) from None


class Page:
    """One list call's page: where it resumes (``after``), how many it shows (``size``),
    how many to read (``read_limit``: one more, to know whether a next page exists)."""

    __slots__ = ("after", "size")

    def __init__(self, token: str | None, size: int, *, error_code: str = "ValidationException",
                 message: str = INVALID_TOKEN) -> None:
        self.after = decode_token(token, error_code=error_code, message=message) if token else None
        self.size = size

    @property
    def read_limit(self) -> int:
        return self.size + 1

    def cut(self, found: Sequence[T], key: Callable[[T], str]) -> tuple[Sequence[T], str | None]:
        """The items to show, and the NextToken (the last shown item's key) when more were read."""
        if len(found) > self.size:
            return found[:self.size], encode_token(key(found[self.size - 1]))
        return found, None

    def resume(self, items: Sequence[T], key: Callable[[T], str]) -> Sequence[T]:
        """For listings read whole (not by key from the store): the items after ``after``;
        none when the key is gone."""
        if self.after is None:
            return items
        keys = [key(item) for item in items]
        return items[keys.index(self.after) + 1:] if self.after in keys else []
