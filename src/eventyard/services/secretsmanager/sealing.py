"""Secret values at rest: AES-256-GCM under the store's data key, bound to the secret's
ARN and the version id (associated data), so a sealed value copied onto another secret
or version does not open.

The data key is generated once per store and kept in it (``store_keys``), unless the
operator gives one (``--secrets-key`` / ``EVENTYARD_SECRETS_KEY``, 32 bytes in base64):
then the store holds nothing that opens the values by itself.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KEY_NAME", "Sealer", "SealingError", "new_key", "parse_key"]

KEY_NAME = "secretsmanager"  # the data key's name in the store
_NONCE_BYTES = 12


class SealingError(Exception):
    """A sealed value does not open with this key (another key, or tampered with)."""


def new_key() -> str:
    """A fresh 256-bit key, base64 (as kept in the store)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def parse_key(text: str) -> bytes:
    """An operator's key: base64 of 32 bytes; ``ValueError`` naming the rule otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the secrets key must be 32 bytes in base64") from None
    if len(key) != 32:
        raise ValueError("the secrets key must be 32 bytes in base64")
    return key


def _context(arn: str, version_id: str) -> bytes:
    return f"{arn}\n{version_id}".encode()


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, value: bytes, arn: str, version_id: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value, _context(arn, version_id))).decode()

    def open(self, sealed: str, arn: str, version_id: str) -> bytes:
        try:
            raw = base64.b64decode(sealed)
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _context(arn, version_id))
        except (InvalidTag, binascii.Error, ValueError):
            raise SealingError(f"the value of {arn} version {version_id} does not open with this key") from None
