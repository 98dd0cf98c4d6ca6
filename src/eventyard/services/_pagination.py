"""Opaque NextToken values that carry a resume key."""

from __future__ import annotations

import base64
import binascii

import orjson

from eventyard.core.errors import ServiceError


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": key})).decode()


def decode_token(token: str, *, error_code: str = "ValidationException") -> str:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        after = data["after"]
        if not isinstance(after, str):
            raise TypeError
        return after
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise ServiceError(error_code, "The NextToken provided is invalid.") from None
