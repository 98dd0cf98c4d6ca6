"""Authorization decisions on ``/metrics``: ``eventyard_authorization_decisions_total``
by service and decision (``allow`` | ``deny``), counted in ``--auth iam`` mode."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter


class DecisionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.decisions = Counter(
            "eventyard_authorization_decisions", "Requests authorized (allow) or refused (deny) by IAM policies.",
            ["service", "decision"], registry=registry)
        self._children: dict[tuple[str, str], Any] = {}

    def count(self, service: str, decision: str) -> None:
        key = (service, decision)
        child = self._children.get(key)
        if child is None:  # the lookup costs more than the increment: keep the child
            child = self._children[key] = self.decisions.labels(service, decision)
        child.inc()
