"""Scheduled rules, in process on both backends with a controlled clock: each tick fires
once (also with two nodes on one store), with the Scheduled Event AWS sends."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.timers import Timers
from eventyard.services.events import EventsService
from eventyard.services.sqs import SqsService
from eventyard.store import Store, open_store

CTX = RequestContext(account="111122223333", region="eu-west-1")
QUEUE_ARN = "arn:aws:sqs:eu-west-1:111122223333:ticks"
START = datetime(2026, 3, 1, 10, 2, 30, tzinfo=timezone.utc).timestamp()


class Node:
    def __init__(self, store: Store, metrics: CollectorRegistry | None = None) -> None:
        self.sqs = SqsService(store)
        self.events = EventsService(store, DeliveryRuntime(store), self.sqs, Timers(), metrics)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    current = [START]
    monkeypatch.setattr(clock, "epoch", lambda: current[0])
    return current


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def setup(node: Node, expression: str) -> str:
    await node.sqs.create_queue(CTX, {"QueueName": "ticks"})
    rule = await node.events.put_rule(CTX, {"Name": "tick", "ScheduleExpression": expression})
    await node.events.put_targets(CTX, {"Rule": "tick", "Targets": [{"Id": "q", "Arn": QUEUE_ARN}]})
    return str(rule["RuleArn"])


async def drain(node: Node) -> list[dict[str, Any]]:
    url = f"http://localhost:4566/{CTX.account}/ticks"
    out = []
    while True:
        got = await node.sqs.receive_message(CTX, {"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 600})
        messages = got.get("Messages") or []
        if not messages:
            return out
        out.extend(json.loads(m["Body"]) for m in messages)


def next_fire_at(store: Store, arn: str) -> int | None:
    return store.read_sync(lambda s: s.scalar("SELECT next_fire_at FROM event_rules WHERE arn = ?", (arn,)))


def test_a_cron_tick_fires_once_with_the_scheduled_event(store: Store, now: list[float]) -> None:
    node = Node(store)
    arn = run(setup(node, "cron(0/5 * * * ? *)"))
    tick = datetime(2026, 3, 1, 10, 5, tzinfo=timezone.utc).timestamp()
    assert next_fire_at(store, arn) == int(tick * 1000)

    assert run(node.events.fire_due()) == 0  # not due yet
    now[0] = tick + 0.4
    assert run(node.events.fire_due()) == 1
    assert run(node.events.fire_due()) == 0  # the same tick never fires twice
    [event] = run(drain(node))
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-03-01T10:05:00Z"
    assert event["resources"] == [arn]
    assert event["account"] == CTX.account and event["region"] == CTX.region
    assert event["detail"] == {}
    assert next_fire_at(store, arn) == int((tick + 300) * 1000)


def test_a_rate_counts_from_the_rules_creation(store: Store, now: list[float]) -> None:
    node = Node(store)
    arn = run(setup(node, "rate(2 minutes)"))
    assert next_fire_at(store, arn) == int((START + 120) * 1000)


def test_two_nodes_fire_a_tick_once(store_url: str, now: list[float]) -> None:
    with open_store(store_url) as one, open_store(store_url) as two:
        first, second = Node(one), Node(two)
        run(setup(first, "cron(* * * * ? *)"))
        now[0] = datetime(2026, 3, 1, 10, 3, 0, 500_000, tzinfo=timezone.utc).timestamp()

        async def both() -> list[int]:
            return list(await asyncio.gather(first.events.fire_due(), second.events.fire_due()))

        assert sorted(run(both())) == [0, 1]
        assert [e["time"] for e in run(drain(first))] == ["2026-03-01T10:03:00Z"]


def test_a_disabled_rule_skips_its_ticks_and_resumes_from_now(store: Store, now: list[float]) -> None:
    node = Node(store)
    arn = run(setup(node, "cron(* * * * ? *)"))
    run(node.events.disable_rule(CTX, {"Name": "tick"}))
    now[0] = START + 3600
    assert run(node.events.fire_due()) == 0
    assert run(drain(node)) == []
    run(node.events.enable_rule(CTX, {"Name": "tick"}))
    resumed = next_fire_at(store, arn)
    assert resumed is not None and resumed > now[0] * 1000


def test_after_downtime_a_missed_tick_fires_once(store: Store, now: list[float]) -> None:
    node = Node(store)
    arn = run(setup(node, "cron(* * * * ? *)"))
    now[0] = START + 600  # ten ticks missed
    assert run(node.events.fire_due()) == 1
    assert run(node.events.fire_due()) == 0
    assert len(run(drain(node))) == 1
    due = next_fire_at(store, arn)
    assert due is not None and due > now[0] * 1000


def test_a_pattern_rule_has_no_schedule(store: Store, now: list[float]) -> None:
    node = Node(store)
    rule = run(node.events.put_rule(CTX, {"Name": "p", "EventPattern": '{"source": ["x"]}'}))
    assert next_fire_at(store, rule["RuleArn"]) is None


def test_a_scheduled_invocation_counts_its_latency_from_the_tick(store: Store, now: list[float]) -> None:
    """IngestionToInvocation of a scheduled event is measured from when it fired, not
    from the epoch."""
    metrics = CollectorRegistry()
    node = Node(store, metrics)
    arn = run(setup(node, "cron(* * * * ? *)"))
    now[0] = START + 60
    assert run(node.events.fire_due()) == 1
    bus = arn.rsplit(":", 1)[0] + ":event-bus/default"
    assert metrics.get_sample_value("eventyard_events_ingestion_to_invocation_seconds_count", {"bus": bus}) == 1
    # the clock stands still, so the event was invoked the instant it was ingested
    assert metrics.get_sample_value("eventyard_events_ingestion_to_invocation_seconds_sum", {"bus": bus}) == 0
