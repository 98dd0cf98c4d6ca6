"""The console's page latency with a big store: p50 / p95 / max of every main page.

    .venv/bin/python -m benchmarks.console                                   # 10,000 resources, 1,000,000 events
    .venv/bin/python -m benchmarks.console --resources 2000 --events 100000  # a quicker run

A fresh SQLite store (or ``--store postgresql://...``, an empty database) is filled in
process: the resources through the in-process invoker (the services' own validation;
queues, topics with subscriptions, rules on ten buses, state machines, an archive), the
events in bulk through the store (kept events of the buses' history, archived events,
topic messages, queue messages). Then a real server (``eventyard serve
--event-history``) serves the console on that store, and each page is asked
``--requests`` times in turn by one client over loopback after one warm-up request.
The figure is the page's whole answer time as that client sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ACCOUNT, REGION = "000000000000", "us-east-1"  # the console's viewer with --auth none
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench"
BUSES = 10
BATCH = 20_000
CONCURRENCY = 32


def _split(resources: int) -> dict[str, int]:
    """10,000 resources: 30% queues, 20% topics, 10% subscriptions, 30% rules, 10% state machines."""
    return {"queues": resources * 3 // 10, "topics": resources * 2 // 10, "subscriptions": resources // 10,
            "rules": resources * 3 // 10, "machines": resources // 10}


async def fill(store_url: str, resources: int, events: int, messages: int) -> dict[str, Any]:
    from eventyard import logs
    from eventyard.api.invoke import Invoker
    from eventyard.core import ids
    from eventyard.core.identity import RequestContext
    from eventyard.runtime.delivery import DeliveryRuntime
    from eventyard.services import ServiceRegistry
    from eventyard.services.sqs.types import QueueMessage
    from eventyard.store import open_store

    logs.configure("warning")
    store = open_store(store_url)
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    registry.events.rules_per_bus = 100_000
    invoker = Invoker(registry.resolve)
    ctx = RequestContext(account=ACCOUNT, region=REGION, base_url="http://localhost:4566")
    gate = asyncio.Semaphore(CONCURRENCY)

    async def call(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            return await invoker.invoke(service, operation, params, ctx)

    split = _split(resources)
    started = time.perf_counter()
    try:
        await asyncio.gather(*(call("sqs", "CreateQueue", {"QueueName": f"q-{i:05d}"})
                               for i in range(split["queues"] - 1)))
        busy_queue = (await call("sqs", "CreateQueue", {"QueueName": "busy"}))["QueueUrl"]
        topics = await asyncio.gather(*(call("sns", "CreateTopic", {"Name": f"t-{i:05d}"})
                                        for i in range(split["topics"] - 1)))
        busy_topic = (await call("sns", "CreateTopic", {"Name": "busy-topic"}))["TopicArn"]
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:busy"
        await asyncio.gather(*(call("sns", "Subscribe", {
            "TopicArn": busy_topic if i < 10 else topics[i % len(topics)]["TopicArn"], "Protocol": "sqs",
            "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q-{i % (split['queues'] - 1):05d}",
            "Attributes": {"FilterPolicy": json.dumps({"n": [i]})}})
            for i in range(split["subscriptions"])))
        buses = ["busy"] + [f"bus-{i}" for i in range(1, BUSES)]
        for bus in buses:
            await call("events", "CreateEventBus", {"Name": bus})
        await asyncio.gather(*(call("events", "PutRule", {
            "Name": f"r-{i:05d}", "EventBusName": buses[i % BUSES],
            "EventPattern": json.dumps({"source": ["shop"], "detail": {"n": [i]}})})
            for i in range(split["rules"])))
        await call("events", "PutTargets", {"Rule": "r-00000", "EventBusName": "busy",
                                            "Targets": [{"Id": "q", "Arn": queue_arn}]})
        bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/busy"
        archive = (await call("events", "CreateArchive", {"ArchiveName": "busy-archive",
                                                          "EventSourceArn": bus_arn}))["ArchiveArn"]
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
        await asyncio.gather(*(call("stepfunctions", "CreateStateMachine", {
            "name": f"m-{i:05d}", "roleArn": ROLE, "definition": definition}) for i in range(split["machines"])))
        resources_s = time.perf_counter() - started

        # a million events, in bulk through the store: 90% kept on the busy bus, the rest on the
        # other nine; a tenth as many archived, topic messages and queue messages
        started = time.perf_counter()
        now = int(time.time() * 1000)
        some_event_id = ""
        written = 0
        while written < events:
            rows = []
            for n in range(written, min(events, written + BATCH)):
                bus = buses[0] if n % 10 else buses[1 + (n // 10) % (BUSES - 1)]
                event = {"version": "0", "id": ids.event_id(), "detail-type": "OrderPlaced", "source": "shop",
                         "account": ACCOUNT, "time": "2026-12-07T12:00:00Z", "region": REGION, "resources": [],
                         "detail": {"n": n, "state": "paid", "total": n % 1000}}
                rows.append((f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}", now - events + n, event,
                             ["r-00000"] if n % 7 == 0 else []))
            some_event_id = str(rows[len(rows) // 2][2]["id"])
            archived = [(archive, at, at, event) for _, at, event, _ in rows[::10]]
            published = [(busy_topic, at, str(uuid.uuid4()), {"message": json.dumps(event["detail"]), "subject": None,
                                                               "attributes": {}}, {"sub": "filtered"})
                         for _, at, event, _ in rows[::10]]

            def unit(s: Any, rows: list[Any] = rows, archived: list[Any] = archived,
                     published: list[Any] = published) -> None:
                s.event_history.add(rows)
                s.event_archives.add_events(archived)
                s.delivery_history.add_published(published)

            await store.write(unit)
            written += len(rows)
        events_s = time.perf_counter() - started
        started = time.perf_counter()
        sent = 0
        while sent < messages:
            chunk = [QueueMessage(json.dumps({"n": n, "note": "order"})) for n in range(sent, min(messages, sent + BATCH))]

            def put(s: Any, chunk: list[Any] = chunk) -> None:
                registry.sqs.queue_writer.write(s, queue_arn, chunk, sender=ACCOUNT, now=now)

            await store.write(put)
            sent += len(chunk)
        messages_s = time.perf_counter() - started
        row = await store.read(lambda s: s.event_history.recent(bus_arn, limit=1))
        message = await store.read(lambda s: s.delivery_history.published(busy_topic, limit=1))
        return {"split": split, "resources_s": resources_s, "events_s": events_s, "messages_s": messages_s,
                "event_row": row[0].id, "event_id": some_event_id, "message_id": message[0].message_id,
                "busy_queue": busy_queue}
    finally:
        store.close()


async def already_filled(store_url: str, resources: int) -> dict[str, Any]:
    """The ids ``fill`` returns, read back from a store it filled before (``--filled``)."""
    from eventyard.store import open_store

    store = open_store(store_url)
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/busy"
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:busy-topic"
    try:
        newest = await store.read(lambda s: s.event_history.recent(bus_arn, limit=1))
        middle = await store.read(lambda s: s.event_history.recent(bus_arn, before_id=newest[0].id // 2, limit=1))
        message = await store.read(lambda s: s.delivery_history.published(topic_arn, limit=1))
    finally:
        store.close()
    return {"split": _split(resources), "resources_s": 0.0, "events_s": 0.0, "messages_s": 0.0,
            "event_row": newest[0].id, "event_id": middle[0].event_id, "message_id": message[0].message_id}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pages(filled: dict[str, Any]) -> dict[str, str]:
    return {
        "home": "/console/",
        "queues": "/console/queues",
        "queue (the busy one: depths, chart, peek)": "/console/queues/busy",
        "queue chart fragment": "/console/queues/busy/charts",
        "queue peek search": "/console/queues/busy?q=nothing-like-this",
        "event buses": "/console/buses",
        "bus (its rules)": "/console/buses/busy",
        "bus live tail": "/console/buses/busy/tail",
        "bus live tail, filtered": '/console/buses/busy/tail?pattern={"detail":{"n":[1]}}',
        "event (verdicts of its bus's rules)": f"/console/buses/busy/events/{filled['event_row']}",
        "rule": "/console/buses/busy/rules/r-00000",
        "topics": "/console/topics",
        "topic (subscriptions, messages)": "/console/topics/busy-topic",
        "topic message fan-out": f"/console/topics/busy-topic/messages/{filled['message_id']}",
        "archives": "/console/archives",
        "archive events": "/console/archives/busy-archive/events",
        "state machines": "/console/states",
        "search by event id": f"/console/search?q={filled['event_id']}",
        "search by name": "/console/search?q=q-0001&go=no",
    }


def measure(base: str, paths: dict[str, str], requests: int) -> list[tuple[str, int, float, float, float]]:
    found = []
    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as http:
        for name, path in paths.items():
            first = http.get(path)
            took = []
            for _ in range(requests):
                t0 = time.perf_counter()
                answer = http.get(path)
                took.append((time.perf_counter() - t0) * 1000)
            took.sort()
            p95 = took[max(0, int(round(0.95 * len(took))) - 1)]
            found.append((name, first.status_code if first.status_code == answer.status_code else -1,
                          statistics.median(took), p95, took[-1]))
    return found


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=100_000, help="messages on the busy queue")
    parser.add_argument("--requests", type=int, default=40, help="requests per page (after one warm-up)")
    parser.add_argument("--store", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (its path is printed)")
    parser.add_argument("--filled", default=None, help="measure a store an earlier --keep run filled (give the same "
                        "--resources, --events and --messages for the summary line)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="eventyard-console-bench-"))
    store_url = args.filled or args.store or f"sqlite:///{folder}/yard.db"
    if args.filled:
        filled = asyncio.run(already_filled(store_url, args.resources))
    else:
        filled = asyncio.run(fill(store_url, args.resources, args.events, args.messages))
    port = _free_port()
    log = open(folder / "server.log", "ab")
    server = subprocess.Popen([sys.executable, "-c", "from eventyard.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--store", store_url, "--log-level", "warning", "--event-history", str(args.events),
                               "--rules-per-bus", "100000"], stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/_eventyard/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start; its log: {folder / 'server.log'}")
            time.sleep(0.1)
        results = measure(base, pages(filled), args.requests)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    split = ", ".join(f"{n:,} {kind}" for kind, n in filled["split"].items())
    print(f"console pages: {args.resources:,} resources ({split}); {args.events:,} kept events "
          f"(+{args.events // 10:,} archived, +{args.events // 10:,} topic messages); {args.messages:,} queue messages; "
          f"{'PostgreSQL' if store_url.startswith('postgres') else 'SQLite'}; {args.requests} requests per page; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"filled in {filled['resources_s']:.0f} s (resources) + {filled['events_s']:.0f} s (events) + "
          f"{filled['messages_s']:.0f} s (messages)")
    width = max(len(name) for name, *_ in results)
    print(f"{'page':<{width}}  status  p50 ms  p95 ms  max ms")
    for name, status, p50, p95, worst in results:
        flag = "  over 100 ms" if p95 > 100 else ""
        print(f"{name:<{width}}  {status:>6}  {p50:>6.1f}  {p95:>6.1f}  {worst:>6.1f}{flag}")
    over = [name for name, _, _, p95, _ in results if p95 > 100]
    print(f"p95 over 100 ms: {', '.join(over) if over else 'none'}")
    if args.keep:
        print(f"store kept: {store_url}")
    elif not args.store and not args.filled:
        for path in folder.glob("yard.db*"):
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
