"""Sealed blobs: a JSON object encrypted and authenticated with a server key.

STS session tokens and encoded authorization messages are such blobs: whoever holds
the key (every node of one store) can open them, nobody can read or forge them
without it. AES-256-GCM with a fresh 96-bit nonce per blob; the ``purpose`` is bound
in as associated data, so a blob made for one use never opens as another.

    blob = version byte 0x01 | nonce (12) | ciphertext + tag   ->  base64url, unpadded
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12


def derive_key(server_key: bytes, purpose: str) -> bytes:
    """A 256-bit key of its own per purpose, from the one server key."""
    return hmac.new(server_key, b"eventyard/" + purpose.encode(), hashlib.sha256).digest()


def seal(payload: dict[str, Any], key: bytes, purpose: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, orjson.dumps(payload), purpose.encode())
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).rstrip(b"=").decode("ascii")


def unseal(blob: str, key: bytes, purpose: str) -> dict[str, Any] | None:
    """The payload, or None for anything not sealed by ``key`` for ``purpose``."""
    try:
        raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 1 + _NONCE + 16 or raw[:1] != _VERSION:
        return None
    try:
        opened = AESGCM(key).decrypt(raw[1:1 + _NONCE], raw[1 + _NONCE:], purpose.encode())
        payload = orjson.loads(opened)
    except (InvalidTag, orjson.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
