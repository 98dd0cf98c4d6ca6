"""Identifiers in AWS's shapes."""

from __future__ import annotations

import os
import threading

_POOL_BYTES = 4096  # 256 ids per read of the OS's random source
_local = threading.local()


def _forget_pools() -> None:
    global _local
    _local = threading.local()  # a forked child must not hand out its parent's next ids


os.register_at_fork(after_in_child=_forget_pools)


def _random16() -> bytearray:
    """16 bytes from the OS's random source, read a page at a time per thread (one
    syscall per id showed in profiles)."""
    pool = getattr(_local, "pool", None)
    if not pool:
        pool = _local.pool = bytearray(os.urandom(_POOL_BYTES))
    taken = pool[-16:]
    del pool[-16:]
    return taken


def uuid4() -> str:
    """A random (version 4) UUID in its canonical text form; ``str(uuid.uuid4())`` costs
    several times more, and ids are made for every event and message."""
    h = _random16()
    h[6] = (h[6] & 0x0F) | 0x40  # version 4
    h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def request_id() -> str:
    return uuid4()


def event_id() -> str:
    return uuid4()
