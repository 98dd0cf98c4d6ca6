"""Pacing of API destination invocations: at most ``InvocationRateLimitPerSecond`` calls
per second per destination, across all deliveries of this node.

Each call reserves the next free slot of its destination (slots are ``1/rate`` seconds
apart) and sleeps until it. A call that would wait longer than ``max_wait`` reserves
nothing and is told to come back later (its delivery is retried like a throttled one),
so that a slow destination holds only a bounded share of the node's delivery workers.
With several nodes each paces its own deliveries: the limit is per node.
"""

from __future__ import annotations

import time
from typing import Callable

MAX_WAIT_SECONDS = 5.0


class Pacer:
    def __init__(self, *, max_wait: float = MAX_WAIT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_wait = max_wait
        self._clock = clock
        self._next: dict[str, float] = {}  # destination -> first free slot

    def reserve(self, destination: str, rate: int) -> float | None:
        """Seconds to wait before calling ``destination``; ``None`` when over ``max_wait``."""
        now = self._clock()
        start = max(now, self._next.get(destination, now))
        wait = start - now
        if wait > self.max_wait:
            return None
        self._next[destination] = start + 1.0 / max(1, rate)
        if len(self._next) > 10_000:  # forget destinations idle for a while
            self._next = {k: v for k, v in self._next.items() if v > now}
        return wait
