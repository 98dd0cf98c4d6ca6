"""Receipt handles: which queue, which stored message, which receive.

A handle names the message row and carries the token written on that receive. AWS keeps
every handle of a message good until the message is deleted, so the token is not
compared when a handle is used; it keeps handles of different receives distinct.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from eventyard.services.sqs import errors

_PREFIX = "eyr1"
_BODY = re.compile(r"^eyr1:([0-9]+):([0-9]+):([0-9a-f]{16,64})$")


@dataclass(frozen=True)
class Receipt:
    queue_id: int
    message_row_id: int
    token: str


def new_token() -> str:
    return secrets.token_hex(16)


def encode(queue_id: int, message_row_id: int, token: str) -> str:
    raw = f"{_PREFIX}:{queue_id}:{message_row_id}:{token}".encode()
    return base64.b64encode(raw).decode()


def decode(handle: str) -> Receipt:
    try:
        raw = base64.b64decode(handle.encode(), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise errors.receipt_handle_invalid(handle) from None
    match = _BODY.match(raw)
    if match is None:
        raise errors.receipt_handle_invalid(handle)
    return Receipt(int(match.group(1)), int(match.group(2)), match.group(3))
