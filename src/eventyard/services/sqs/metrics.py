"""SQS queue depths on ``/metrics``, as CloudWatch's ApproximateNumberOfMessages*:
visible, in flight (received, not yet visible again) and delayed, per queue ARN, and
the depth of every dead-letter queue on its own.

Depths are read from the store when ``/metrics`` is scraped (``refresh``), not kept
up to date on every send and receive: the hot path stays as it is, and every node of a
shared store reports the same numbers.
"""

from __future__ import annotations

from typing import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

from eventyard.core import clock
from eventyard.store import Store
from eventyard.store.queues import QueueDepth


class QueueDepths:
    """A collector of the depths read by the latest ``refresh``."""

    def __init__(self, store: Store, registry: CollectorRegistry) -> None:
        self.store = store
        self._latest: list[QueueDepth] = []
        registry.register(self)

    async def refresh(self) -> None:
        self._latest = await self.read(clock.now_ms())

    async def read(self, now: int) -> list[QueueDepth]:
        """Every queue's depths now (the console reads them without touching the gauges)."""
        return await self.store.read(lambda s: s.queues.depths(now))

    def collect(self) -> Iterator[Metric]:
        visible = GaugeMetricFamily("eventyard_sqs_messages_visible",
                                    "Messages available to receive (ApproximateNumberOfMessagesVisible).",
                                    labels=["queue"])
        in_flight = GaugeMetricFamily("eventyard_sqs_messages_in_flight",
                                      "Messages received and not yet visible again (ApproximateNumberOfMessagesNotVisible).",
                                      labels=["queue"])
        delayed = GaugeMetricFamily("eventyard_sqs_messages_delayed",
                                    "Messages not yet available because of a delay (ApproximateNumberOfMessagesDelayed).",
                                    labels=["queue"])
        dead_letters = GaugeMetricFamily("eventyard_sqs_dead_letter_queue_messages",
                                         "All messages in queues that another queue's RedrivePolicy names.",
                                         labels=["queue"])
        for depth in self._latest:
            visible.add_metric([depth.arn], depth.visible)
            in_flight.add_metric([depth.arn], depth.in_flight)
            delayed.add_metric([depth.arn], depth.delayed)
            if depth.dead_letter:
                dead_letters.add_metric([depth.arn], depth.visible + depth.in_flight + depth.delayed)
        yield from (visible, in_flight, delayed, dead_letters)
