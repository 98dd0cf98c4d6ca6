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
import threading
import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from _clients import client

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
    lock = threading.Lock()
    stop = threading.Event()

    def producer(n: int) -> None:
        c = client("events", server.url, account=account)
        i = 0
        while not stop.is_set():
            keys = [f"{n}-{i}-{k}" for k in range(10)]
            entries = [{"Source": "crash", "DetailType": "load", "EventBusName": "orders",
                        "Detail": json.dumps({"key": key, "parity": "even" if k % 2 == 0 else "odd"})}
                       for k, key in enumerate(keys)]
            try:
                out = c.put_events(Entries=entries)
            except (ClientError, BotoCoreError, OSError):
                return  # the server died under us: this batch was never acknowledged
            with lock:
                for k, (key, result) in enumerate(zip(keys, out["Entries"])):
                    if "EventId" not in result:
                        continue  # refused entries are not accepted events
                    accepted_ids.add(result["EventId"])
                    expected["every"].add(key)
                    expected["even" if k % 2 == 0 else "routed"].add(key)
            i += 1

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(PRODUCERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(accepted_ids) >= ACCEPTED_BEFORE_KILL:
                break
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(accepted_ids) >= ACCEPTED_BEFORE_KILL, server.log()
    assert len(expected["routed"]) > 0 and len(expected["even"]) > 0

    server.start()
    c = client("sqs", server.url, account=account)
    delivered: dict[str, set[str]] = {name: set() for name in urls}
    ids_seen: set[str] = set()
    give_up = time.monotonic() + server.drain_seconds
    while time.monotonic() < give_up and any(expected[q] - delivered[q] for q in urls):
        for name, url in urls.items():
            if not expected[name] - delivered[name]:
                continue
            got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for m in got:
                event = json.loads(m["Body"])
                delivered[name].add(event["detail"]["key"])
                ids_seen.add(event["id"])
            if got:
                c.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)])
    for name in urls:
        lost = expected[name] - delivered[name]
        assert not lost, f"{len(lost)} of {len(expected[name])} accepted events never reached {name}: {sorted(lost)[:10]}"
    # the queue written inside PutEvents carries the very ids PutEvents returned
    assert accepted_ids <= ids_seen
