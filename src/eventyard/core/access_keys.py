"""Access key ids that carry their account, as AWS's do.

AWS's key ids since 2019 are a four-letter prefix (``AKIA`` long-term, ``ASIA``
temporary) and 16 base32 characters: 10 bytes whose first 48 bits hold the account id
in bits 46..7, under and over random bits. ``sts:GetAccessKeyInfo`` answers from that
alone, without a lookup; eventyard makes its own ids the same way, so the account of
any of them is known on every node.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets

LONG_TERM_PREFIX = "AKIA"
TEMPORARY_PREFIX = "ASIA"
_ACCOUNT_BITS = 0x7FFFFFFFFF80  # bits 46..7 of the first six bytes
_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z2-7]{16}$")


def new_access_key_id(account: str, prefix: str = LONG_TERM_PREFIX) -> str:
    """A fresh key id for ``account`` (12 digits) with ``prefix`` (AKIA or ASIA)."""
    head = (int(account) << 7) | (os.urandom(1)[0] & 0x7F)  # bit 47 stays 0, as in AWS's
    raw = head.to_bytes(6, "big") + os.urandom(4)
    return prefix + base64.b32encode(raw).decode("ascii")


def account_of_access_key_id(access_key_id: str) -> str | None:
    """The account a key id of AWS's current format encodes, or None for other ids."""
    if not _KEY_ID.match(access_key_id):
        return None
    try:
        raw = base64.b32decode(access_key_id[4:])
    except (binascii.Error, ValueError):
        return None
    account = (int.from_bytes(raw[:6], "big") & _ACCOUNT_BITS) >> 7
    return f"{account:012d}" if account < 10**12 else None


def new_secret_access_key() -> str:
    """40 characters of base64, as AWS's secrets look."""
    return base64.b64encode(secrets.token_bytes(30)).decode("ascii")
