"""kill -9 the server while PutEvents load flows into rules with SQS targets: after a
restart on the same store, every accepted event (every EventId returned) reaches each
of its matched targets at least once.

Two kinds of delivery are under test: queue targets written inside the PutEvents
transaction, and a bus target (through the outbox and the delivery runtime) whose bus
routes on to a queue. Outbox rows a worker had claimed when the server died come due
again when their lease runs out, so the drain waits past the lease.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from _clients import client
from _scaffold import SERVER_GONE, Load, drain

pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

PRODUCERS = 4
ACCEPTED_BEFORE_KILL = 1500


def test_accepted_events_reach_every_matched_target_after_kill9(leased_server):
    server = leased_server
    account = "123456789014"
    ev = client("events", server.url, account=account)
    sqs = client("sqs", server.url, account=account)
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("every", "even", "routed")}
    arn = {name: f"arn:aws:sqs:us-east-1:{account}:{name}" for name in urls}
    ev.create_event_bus(Name="orders")
    ev.create_event_bus(Name="audit")
    audit = f"arn:aws:events:us-east-1:{account}:event-bus/audit"
    rules = [  # (bus, name, pattern, targets)
        ("orders", "every", {"source": ["crash"]}, [{"Id": "q", "Arn": arn["every"]}]),
        ("orders", "even", {"detail": {"parity": ["even"]}}, [{"Id": "q", "Arn": arn["even"]}]),
        ("orders", "forward-odd", {"detail": {"parity": ["odd"]}},
         [{"Id": "bus", "Arn": audit, "RoleArn": f"arn:aws:iam::{account}:role/forward"}]),
        ("audit", "keep", {"source": ["crash"]}, [{"Id": "q", "Arn": arn["routed"]}]),
    ]
    for bus, name, pattern, targets in rules:
        ev.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
        ev.put_targets(Rule=name, EventBusName=bus, Targets=targets)

    expected: dict[str, set[str]] = {name: set() for name in urls}  # queue -> event keys it must get
    accepted_ids: set[str] = set()
    load = Load()

    def producer(n: int) -> None:
        c = client("events", server.url, account=account)
        i = 0
        while not load.stop.is_set():
            keys = [f"{n}-{i}-{k}" for k in range(10)]
            entries = [{"Source": "crash", "DetailType": "load", "EventBusName": "orders",
                        "Detail": json.dumps({"key": key, "parity": "even" if k % 2 == 0 else "odd"})}
                       for k, key in enumerate(keys)]
            try:
                out = c.put_events(Entries=entries)
            except SERVER_GONE:
                return  # the server died under us: this batch was never acknowledged
            with load.lock:
                for k, (key, result) in enumerate(zip(keys, out["Entries"])):
                    if "EventId" not in result:
                        continue  # refused entries are not accepted events
                    accepted_ids.add(result["EventId"])
                    expected["every"].add(key)
                    expected["even" if k % 2 == 0 else "routed"].add(key)
            i += 1

    for n in range(PRODUCERS):
        load.start(partial(producer, n))
    load.kill9_when(server, lambda: len(accepted_ids) >= ACCEPTED_BEFORE_KILL, within=60)
    assert len(accepted_ids) >= ACCEPTED_BEFORE_KILL, server.log()
    assert len(expected["routed"]) > 0 and len(expected["even"]) > 0

    server.start()
    c = client("sqs", server.url, account=account)

    def read(name: str, m: dict[str, Any]) -> tuple[str, str]:
        event = json.loads(m["Body"])
        return event["detail"]["key"], event["id"]

    delivered, ids_seen = drain(c, urls, expected, read, seconds=server.drain_seconds)
    for name in urls:
        lost = expected[name] - delivered[name]
        assert not lost, f"{len(lost)} of {len(expected[name])} accepted events never reached {name}: {sorted(lost)[:10]}"
    # the queue written inside PutEvents carries the very ids PutEvents returned
    assert accepted_ids <= ids_seen
