"""eventbus-read: EventBridge control-plane reads.

Setup creates ``buses`` custom event buses. Each thread then cycles through
DescribeEventBus (a random custom bus), DescribeEventBus (``default``),
ListEventBuses (Limit=10) and, when that returned a NextToken, one more
ListEventBuses page. Every API call is one timed op.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..harness import LoadStats
from . import Workload, register

PAGE = 10


@dataclass
class _Cursor:
    buses: list[str]
    rng: random.Random
    step: int = 0
    token: str | None = None


@register
class EventBusRead(Workload):
    name = "eventbus-read"
    description = "DescribeEventBus (random + default) / ListEventBuses (Limit=10, 2 pages)"
    service = "events"
    defaults = {"buses": 20, "prefix": "bench-bus"}
    extra_columns = ("describe p50 ms", "list p50 ms", "CPU us/op")

    def setup(self, clients: list[Any]) -> dict[str, Any]:
        client = clients[0]
        names = [f"{self.params['prefix']}-{i:03d}" for i in range(self.params["buses"])]
        for name in names:
            client.create_event_bus(Name=name)
        # Record how the system pages, so the per-call numbers can be read right.
        first = client.list_event_buses(Limit=PAGE)
        return {
            "buses": names,
            "first_page": len(first.get("EventBuses", [])),
            "paginates": bool(first.get("NextToken")),
        }

    def thread_state(self, state: dict[str, Any], index: int) -> _Cursor:
        return _Cursor(state["buses"], random.Random(index))

    def op(self, client: Any, cur: _Cursor) -> str:
        if cur.token is not None:  # the follow-up page of the previous List
            token, cur.token = cur.token, None
            client.list_event_buses(Limit=PAGE, NextToken=token)
            return "ListEventBuses"
        phase, cur.step = cur.step % 3, cur.step + 1
        if phase == 0:
            client.describe_event_bus(Name=cur.rng.choice(cur.buses))
            return "DescribeEventBus"
        if phase == 1:
            client.describe_event_bus(Name="default")
            return "DescribeEventBus"
        page = client.list_event_buses(Limit=PAGE)
        cur.token = page.get("NextToken") or None
        return "ListEventBuses"

    def report(self, state: dict[str, Any], stats: LoadStats) -> tuple[dict[str, Any], list[str]]:
        extra = {
            "describe p50 ms": stats.percentile_ms(50, "DescribeEventBus"),
            "list p50 ms": stats.percentile_ms(50, "ListEventBuses"),
        }
        notes = []
        if not state["paginates"]:
            notes.append(
                f"ListEventBuses(Limit={PAGE}) returned {state['first_page']} buses and no "
                f"NextToken: Limit ignored, so each List call returns every bus in one page"
            )
        return extra, notes
