"""What keeping the console's history (``--event-history N``) costs the data path: server
CPU per event (EventBridge) and per published message (SNS), history off against on,
in one run.

    .venv/bin/python -m benchmarks.history_cost                 # 20,000 events and 5,000 messages, 3 rounds
    .venv/bin/python -m benchmarks.history_cost --events 5000 --messages 2000 --rounds 2

In process, as ``benchmarks.sfn_cpu``: the services are called through the in-process
invoker (validation and handlers, no HTTP), on a fresh SQLite store per run. The
EventBridge side is the ``eventbridge`` workload's setup and events (one bus, 100 rules
of its mixed kinds targeting 4 queues round robin, PutEvents of 10, 32 calls at a time:
about 3.1 deliveries per event). The SNS side is the ``sns`` workload's shape: a topic
with 10 SQS subscriptions, half of them filtered (Publish, 32 at a time). Off and on
alternate, ``--rounds`` times each; each line is the median of its rounds. The figure
is the process's CPU time (all threads: the store's writer included) per event, which
a busy machine changes least; background trims of the history run in the same process
and count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from typing import Any

from .workloads.eventbridge import BUS, _Events, rule_set

ACCOUNT, REGION = "123456789012", "us-east-1"
CONCURRENCY = 32
QUEUES = 4
RULES = 100
SUBSCRIPTIONS = 10
KEEP = 10_000  # events kept per bus, messages per topic


async def one_run(kind: str, keep: int, count: int) -> tuple[float, float]:
    """(CPU µs per event or message, wall seconds) of one run on a fresh store."""
    from eventyard import logs
    from eventyard.api.invoke import Invoker
    from eventyard.core.identity import RequestContext
    from eventyard.runtime.delivery import DeliveryRuntime
    from eventyard.services import ServiceRegistry
    from eventyard.store import open_store

    logs.configure("warning")
    store = open_store(f"sqlite:///{tempfile.mkdtemp(prefix='eventyard-history-cost-')}/yard.db")
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    registry.events.router.history_per_bus = keep
    registry.delivery_history.turn_on(keep)
    registry.start()
    invoker = Invoker(registry.resolve)
    ctx = RequestContext(account=ACCOUNT, region=REGION, base_url="http://localhost:4566")
    gate = asyncio.Semaphore(CONCURRENCY)

    async def call(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            return await invoker.invoke(service, operation, params, ctx)

    try:
        queue_arns = []
        for q in range(QUEUES if kind == "eventbridge" else SUBSCRIPTIONS):
            await call("sqs", "CreateQueue", {"QueueName": f"q{q}"})
            queue_arns.append(f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{q}")
        if kind == "eventbridge":
            await call("events", "CreateEventBus", {"Name": BUS})
            for i, (name, pattern) in enumerate(rule_set(RULES)):
                await call("events", "PutRule", {"Name": name, "EventBusName": BUS, "EventPattern": json.dumps(pattern)})
                await call("events", "PutTargets", {"Rule": name, "EventBusName": BUS,
                                                    "Targets": [{"Id": "q", "Arn": queue_arns[i % QUEUES]}]})
            events = _Events(0)
            batches = [[events.next() for _ in range(10)] for _ in range(count // 10)]
            calls = [call("events", "PutEvents", {"Entries": [
                {"Source": e["source"], "DetailType": e["detail-type"], "EventBusName": BUS,
                 "Detail": json.dumps(e["detail"])} for e in batch]}) for batch in batches]
        else:
            topic = (await call("sns", "CreateTopic", {"Name": "bench"}))["TopicArn"]
            for i, arn in enumerate(queue_arns):
                attributes = {"RawMessageDelivery": "true"}
                if i % 2:
                    attributes["FilterPolicy"] = json.dumps({"kind": [f"k{i}"]})
                await call("sns", "Subscribe", {"TopicArn": topic, "Protocol": "sqs", "Endpoint": arn,
                                                "Attributes": attributes})
            calls = [call("sns", "Publish", {"TopicArn": topic, "Message": json.dumps({"n": n}), "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": f"k{n % SUBSCRIPTIONS}"}}}) for n in range(count)]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*calls)
        await asyncio.sleep(0)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        return 1e6 * cpu / count, wall
    finally:
        await registry.stop()
        store.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=int, default=KEEP, help="--event-history N of the 'on' runs")
    args = parser.parse_args(argv)
    import os

    print(f"history cost: in process, SQLite; eventbridge {args.events:,} events ({RULES} rules, {QUEUES} queues, "
          f"PutEvents of 10); sns {args.messages:,} messages ({SUBSCRIPTIONS} SQS subscriptions, half filtered); "
          f"history on = --event-history {args.keep:,}; median of {args.rounds} alternating rounds; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{'workload':<12}  {'history':<7}  {'CPU us/op':>9}  {'runs':<24}")
    for kind, count in (("eventbridge", args.events), ("sns", args.messages)):
        runs: dict[int, list[float]] = {0: [], args.keep: []}
        for _ in range(args.rounds):
            for keep in (0, args.keep):
                runs[keep].append(asyncio.run(one_run(kind, keep, count))[0])
        off, on = statistics.median(runs[0]), statistics.median(runs[args.keep])
        for keep, label in ((0, "off"), (args.keep, "on")):
            shown = ", ".join(f"{v:.0f}" for v in runs[keep])
            print(f"{kind:<12}  {label:<7}  {statistics.median(runs[keep]):>9.1f}  {shown}")
        print(f"{kind:<12}  {'cost':<7}  {on - off:>+9.1f}  ({100 * (on - off) / off:+.1f}%)")


if __name__ == "__main__":
    main(sys.argv[1:])
