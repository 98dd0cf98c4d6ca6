"""EventBridge's CloudWatch metrics, per rule and bus, in Prometheus form on ``/metrics``.

Names follow CloudWatch's (``Invocations`` becomes ``eventyard_events_invocations_total``);
``rule`` and ``bus`` labels carry ARNs, so accounts and regions stay apart.
"""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram


class EventMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.accepted_events = Counter(
            "eventyard_events_accepted_events", "Events that entered a bus (PutEvents, bus targets, replays, schedules).",
            ["bus"], registry=registry)
        self.matched_events = Counter(
            "eventyard_events_matched_events", "Events that matched at least one rule (MatchedEvents).",
            ["bus"], registry=registry)
        self.triggered_rules = Counter(
            "eventyard_events_triggered_rules", "Rules that matched an event (TriggeredRules).",
            ["rule"], registry=registry)
        self.invocations = Counter(
            "eventyard_events_invocations", "Target invocations that succeeded (Invocations).",
            ["rule"], registry=registry)
        self.failed_invocations = Counter(
            "eventyard_events_failed_invocations",
            "Invocations that failed for good: retries exhausted or not retryable (FailedInvocations).",
            ["rule"], registry=registry)
        self.dead_letter_invocations = Counter(
            "eventyard_events_dead_letter_invocations", "Events sent to a target's dead-letter queue (DeadLetterInvocations).",
            ["rule"], registry=registry)
        self.retry_invocation_attempts = Counter(
            "eventyard_events_retry_invocation_attempts", "Invocations retried (RetryInvocationAttempts).",
            ["rule"], registry=registry)
        self.latency = Histogram(
            "eventyard_events_ingestion_to_invocation_seconds",
            "Time from accepting an event to invoking a target successfully (IngestionToInvocationSuccessLatency).",
            ["bus"], registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))

        self._children: dict[tuple[int, str], Any] = {}

    def _child(self, metric: Any, label: str) -> Any:
        """``metric.labels(label)``, remembered: the lookup costs more than the increment."""
        key = (id(metric), label)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(label)
        return child

    def ingested(self, matched_buses: list[str], triggered: list[str], failed_transforms: list[str],
                 accepted: dict[str, int] | None = None) -> None:
        for bus, n in (accepted or {}).items():
            self._child(self.accepted_events, bus).inc(n)
        # one increment per bus and rule, not per event: a batch mostly repeats them
        for bus, n in Tally(matched_buses).items():
            self._child(self.matched_events, bus).inc(n)
        for rule, n in Tally(triggered).items():
            self._child(self.triggered_rules, rule).inc(n)
        for rule in failed_transforms:
            self._child(self.failed_invocations, rule).inc()

    def invoked(self, rule_arn: str, *, latency_ms: int) -> None:
        self.invoked_many([rule_arn], latency_ms=latency_ms)

    def invoked_many(self, rule_arns: list[str], *, latency_ms: int) -> None:
        """One successful invocation per entry of ``rule_arns``, all after ``latency_ms``."""
        seconds = max(0, latency_ms) / 1000
        for rule_arn, n in Tally(rule_arns).items():
            self._child(self.invocations, rule_arn).inc(n)
            histogram = self._child(self.latency, _bus_of(rule_arn))
            for _ in range(n):
                histogram.observe(seconds)

    def retried(self, rule_arn: str) -> None:
        self._child(self.retry_invocation_attempts, rule_arn).inc()

    def failed(self, rule_arn: str, *, dead_lettered: bool) -> None:
        self._child(self.failed_invocations, rule_arn).inc()
        if dead_lettered:
            self._child(self.dead_letter_invocations, rule_arn).inc()


def _bus_of(rule_arn: str) -> str:
    """arn:aws:events:r:a:rule/bus/name -> the bus ARN (``default`` for rule/name)."""
    head, _, resource = rule_arn.rpartition(":")
    parts = resource.split("/")
    bus = parts[1] if len(parts) == 3 else "default"
    return f"{head}:event-bus/{bus}"
