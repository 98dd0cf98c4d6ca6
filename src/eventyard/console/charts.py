"""Live queue charts: depth samples kept in memory per queue while someone watches its
page (the page's fragment asks every few seconds and each answer adds a sample), drawn
as small SVG sparklines on the server: no chart library, nothing to vendor."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from eventyard.store.queues import QueueDepth

SAMPLES = 90  # per queue: three minutes at one sample every two seconds
MIN_GAP_MS = 900  # two answers closer than this share one sample
MAX_QUEUES = 500  # queues with samples at once (the least recently sampled go first)


@dataclass(frozen=True)
class Sample:
    at_ms: int
    visible: int
    in_flight: int
    delayed: int
    oldest_s: int  # age of the oldest message, seconds (0: empty)


class QueueSamples:
    def __init__(self) -> None:
        self._queues: dict[str, deque[Sample]] = {}
        self._lock = threading.Lock()

    def add(self, depth: QueueDepth, now_ms: int) -> list[Sample]:
        """Add a sample of ``depth`` (unless one was taken just now); the queue's samples."""
        oldest = 0 if depth.oldest_sent_at is None else max(0, (now_ms - depth.oldest_sent_at) // 1000)
        sample = Sample(now_ms, depth.visible, depth.in_flight, depth.delayed, int(oldest))
        with self._lock:
            samples = self._queues.pop(depth.arn, None) or deque(maxlen=SAMPLES)
            if not samples or now_ms - samples[-1].at_ms >= MIN_GAP_MS:
                samples.append(sample)
            self._queues[depth.arn] = samples  # most recently sampled last
            while len(self._queues) > MAX_QUEUES:
                del self._queues[next(iter(self._queues))]
            return list(samples)


WIDTH, HEIGHT = 160, 36


def sparkline_points(values: list[int], *, width: int = WIDTH, height: int = HEIGHT) -> str:
    """A polyline's points for ``values``, scaled to their own maximum (the template
    draws the SVG around them)."""
    top = max(values, default=0) or 1
    if len(values) == 1:
        values = values * 2  # a flat line across the chart
    step = width / max(1, len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values))
