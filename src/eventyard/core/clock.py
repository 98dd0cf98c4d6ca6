"""The one wall clock, injectable so that tests and timers can control it.

Every time eventyard stores or compares is epoch milliseconds from `now_ms()`. All
three readings derive from `epoch()`, so a test that replaces `clock.epoch`
(``monkeypatch.setattr(clock, "epoch", ...)``) moves every reader, the runtime included.
Durations measured inside one process (caches, budgets, pacing) use `time.monotonic()`
instead: they must not jump when the wall clock does.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone


def epoch() -> float:
    """Seconds since the epoch, as a float (the source of every other reading)."""
    return time.time()


def now_ms() -> int:
    """Milliseconds since the epoch: the unit of every stored and compared time."""
    return int(epoch() * 1000)


def now() -> datetime:
    return datetime.fromtimestamp(epoch(), timezone.utc)
