"""SNS's CloudWatch metrics per topic, in Prometheus form on ``/metrics``:
``NumberOfMessagesPublished``, ``NumberOfNotificationsDelivered`` and
``NumberOfNotificationsFailed`` (``topic`` labels carry ARNs, so accounts and regions
stay apart)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter


class TopicMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = Counter(
            "eventyard_sns_messages_published", "Messages accepted by Publish and PublishBatch (NumberOfMessagesPublished).",
            ["topic"], registry=registry)
        self.delivered = Counter(
            "eventyard_sns_notifications_delivered",
            "Notifications delivered to a subscription (NumberOfNotificationsDelivered).",
            ["topic", "protocol"], registry=registry)
        self.failed = Counter(
            "eventyard_sns_notifications_failed",
            "Notifications that failed for good: retries exhausted (NumberOfNotificationsFailed).",
            ["topic", "protocol"], registry=registry)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, remembered: the lookup costs more than the increment."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def count_published(self, topic_arn: str, count: int) -> None:
        if count:
            self._child(self.published, topic_arn).inc(count)

    def count_delivered(self, topic_arn: str, protocol: str, count: int = 1) -> None:
        if count:
            self._child(self.delivered, topic_arn, protocol).inc(count)

    def count_failed(self, topic_arn: str, protocol: str) -> None:
        self._child(self.failed, topic_arn, protocol).inc()
