"""Step Functions' CloudWatch execution metrics per state machine, in Prometheus form on
``/metrics``: ``ExecutionsStarted``, ``ExecutionsSucceeded``, ``ExecutionsFailed``,
``ExecutionsTimedOut``, ``ExecutionsAborted`` (one counter with a ``status`` label) and
``ExecutionTime``. ``state_machine`` labels carry ARNs, so accounts and regions stay apart.
Counted by the node that committed the start or the end."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

# ExecutionTime spans milliseconds (a Pass chain) to a year (a Standard execution's limit)
_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600, 86_400, 31_536_000)


class StateMachineMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.started = Counter("eventyard_stepfunctions_executions_started",
                               "Executions started (ExecutionsStarted).", ["state_machine"], registry=registry)
        self.ended = Counter("eventyard_stepfunctions_executions_ended",
                             "Executions ended, by status: SUCCEEDED, FAILED, TIMED_OUT, ABORTED "
                             "(ExecutionsSucceeded, ExecutionsFailed, ExecutionsTimedOut, ExecutionsAborted).",
                             ["state_machine", "status"], registry=registry)
        self.time = Histogram("eventyard_stepfunctions_execution_seconds",
                              "From start to end of an execution (ExecutionTime).", ["state_machine"],
                              buckets=_BUCKETS, registry=registry)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def count_started(self, state_machine: str) -> None:
        self._child(self.started, state_machine).inc()

    def count_ended(self, state_machine: str, status: str, seconds: float) -> None:
        self._child(self.ended, state_machine, status).inc()
        self._child(self.time, state_machine).observe(max(0.0, seconds))
