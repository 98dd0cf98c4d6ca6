"""Identifiers in AWS's shapes."""

from __future__ import annotations

import os


def uuid4() -> str:
    """A random (version 4) UUID in its canonical text form; ``str(uuid.uuid4())`` costs
    several times more, and ids are made for every event and message."""
    h = bytearray(os.urandom(16))
    h[6] = (h[6] & 0x0F) | 0x40  # version 4
    h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def request_id() -> str:
    return uuid4()


def event_id() -> str:
    return uuid4()
