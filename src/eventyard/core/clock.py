"""Time, injectable so that tests and timers can control it."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def epoch() -> float:
    return time.time()
