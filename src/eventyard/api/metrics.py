"""API requests on ``/metrics``: how many, by service, operation and HTTP status, and
how long they took (``eventyard_api_request_seconds``, a histogram whose ``_count`` is
the request count).

Recording is on every request's path, so each label combination's child is looked up
once and kept: the lookup costs more than the observation.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Histogram

# Most calls take a millisecond or two; long polls wait up to 20 s.
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30)


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.seconds = Histogram(
            "eventyard_api_request_seconds",
            "API requests by service, operation and HTTP status, with their latency.",
            ["service", "operation", "status"], registry=registry, buckets=_BUCKETS)
        self._children: dict[tuple[str, str, int], Any] = {}

    def observe(self, service: str | None, operation: str | None, status: int, seconds: float) -> None:
        # an unidentified request (unknown service or operation) keeps an empty label:
        # whatever the client sent must not grow the number of series
        key = (service or "", operation or "", status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.seconds.labels(key[0], key[1], str(status))
        child.observe(seconds)
