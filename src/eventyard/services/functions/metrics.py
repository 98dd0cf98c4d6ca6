"""Lambda's CloudWatch metrics per function, in Prometheus form on ``/metrics``:
``Invocations``, ``Errors``, ``Throttles``, ``Duration`` (a histogram) and
``ConcurrentExecutions`` (a gauge read from this node's running invocations when
``/metrics`` is scraped, so the invoke path only counts); and per SQS event source
mapping the sizes of the batches it handed its function and the age of the oldest message
in the latest batch it received (SQS's ``ApproximateAgeOfOldestMessage`` as the mapping
saw it). ``function`` labels carry unqualified function ARNs and ``mapping`` labels event
source mapping ARNs, so accounts and regions stay apart, as in the other services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from eventyard.services.functions.names import function_arn

# Duration spans a no-op handler (well under a millisecond) to Lambda's 15-minute timeout
_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
# BatchSize is 1 to 10,000 messages
_BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000)

RunningCounts = Callable[[], Mapping[tuple[str, str, str], int]]


class FunctionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.invocations = Counter(
            "eventyard_lambda_invocations", "Invocations that ran, function errors included (Invocations).",
            ["function"], registry=registry)
        self.errors = Counter(
            "eventyard_lambda_errors", "Invocations that ended in a function error (Errors).",
            ["function"], registry=registry)
        self.throttles = Counter(
            "eventyard_lambda_throttles", "Invocations refused for want of concurrency (Throttles).",
            ["function"], registry=registry)
        self.duration = Histogram(
            "eventyard_lambda_duration_seconds", "Time the handler ran per invocation (Duration).",
            ["function"], buckets=_DURATION_BUCKETS, registry=registry)
        self.batch_size = Histogram(
            "eventyard_lambda_event_source_mapping_batch_size",
            "Messages an SQS event source mapping received per batch (before its filters).",
            ["mapping"], buckets=_BATCH_BUCKETS, registry=registry)
        self.oldest_age = Gauge(
            "eventyard_lambda_event_source_mapping_oldest_message_age_seconds",
            "Age of the oldest message in the latest batch an SQS event source mapping received.",
            ["mapping"], registry=registry)
        self._children: dict[tuple[int, str], Any] = {}
        self._registry = registry

    def _child(self, metric: Any, label: str) -> Any:
        """``metric.labels(label)``, remembered: the lookup costs more than the increment."""
        key = (id(metric), label)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(label)
        return child

    def watch_running(self, running: RunningCounts) -> None:
        """Report ``running()`` (``(account, region, name) -> invocations``) as the
        concurrent executions gauge when scraped."""
        self._registry.register(_ConcurrentExecutions(running))

    def count_invocation(self, arn: str, duration_ms: float, function_error: bool) -> None:
        self._child(self.invocations, arn).inc()
        if function_error:
            self._child(self.errors, arn).inc()
        self._child(self.duration, arn).observe(max(0.0, duration_ms) / 1000)

    def count_throttle(self, arn: str) -> None:
        self._child(self.throttles, arn).inc()

    def count_batch(self, mapping_arn: str, size: int, oldest_age_ms: int) -> None:
        self._child(self.batch_size, mapping_arn).observe(size)
        self._child(self.oldest_age, mapping_arn).set(max(0, oldest_age_ms) / 1000)


class _ConcurrentExecutions:
    """A collector of the invocations running on this node, per function."""

    def __init__(self, running: RunningCounts) -> None:
        self.running = running

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("eventyard_lambda_concurrent_executions",
                                  "Invocations running now on this node (ConcurrentExecutions).", labels=["function"])
        for (account, region, name), count in list(self.running().items()):
            gauge.add_metric([function_arn(region, account, name)], count)
        yield gauge
