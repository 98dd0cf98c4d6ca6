"""Server CPU per Step Functions transition, in process: the services called through the
in-process invoker (validation and handlers, no HTTP, no client), on a fresh SQLite store
with its defaults (synchronous=FULL). The process's CPU time (all threads) over the run,
per execution and per transition, is the figure a loaded machine changes least.

    .venv/bin/python -m benchmarks.sfn_cpu start 3000        # StartExecution, 32 at a time
    .venv/bin/python -m benchmarks.sfn_cpu eventbridge 3000  # PutEvents of 10 to a rule's machine
    .venv/bin/python -m benchmarks.sfn_cpu map 10000         # distributed Map, Standard children
    .venv/bin/python -m benchmarks.sfn_cpu xmap 10000        # inline Map, Express, StartSyncExecution

The machines are ``workloads.stepfunctions``' (five states, the SQS task's queue on this
store; the Map: two Pass states per item). An execution ends when its message is on the
queue (``start``, ``eventbridge``) or when the Map's execution ends.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from typing import Any

from .workloads.stepfunctions import five_state_definition, map_definition

ACCOUNT, REGION, ROLE = "123456789012", "us-east-1", "arn:aws:iam::123456789012:role/bench"
CONCURRENCY = 32


async def run(mode: str, count: int) -> str:
    from eventyard import logs
    from eventyard.api.invoke import Invoker
    from eventyard.core.identity import RequestContext
    from eventyard.runtime.delivery import DeliveryRuntime
    from eventyard.services import ServiceRegistry
    from eventyard.store import open_store

    logs.configure("warning")
    store = open_store(f"sqlite:///{tempfile.mkdtemp(prefix='eventyard-sfn-cpu-')}/yard.db")
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    registry.start()
    invoker = Invoker(registry.resolve)
    ctx = RequestContext(account=ACCOUNT, region=REGION, base_url="http://localhost:4566")

    async def call(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return await invoker.invoke(service, operation, params, ctx)

    try:
        url = (await call("sqs", "CreateQueue", {"QueueName": "ends"}))["QueueUrl"]
        if mode in ("map", "xmap"):
            kind = "distributed" if mode == "map" else "express"
            definition = map_definition(kind)
        else:
            definition = five_state_definition(url)
        arn = (await call("stepfunctions", "CreateStateMachine", {
            "name": "bench", "roleArn": ROLE, "type": "EXPRESS" if mode == "xmap" else "STANDARD",
            "definition": json.dumps(definition)}))["stateMachineArn"]
        if mode == "eventbridge":
            await call("events", "CreateEventBus", {"Name": "bench"})
            await call("events", "PutRule", {"Name": "r", "EventBusName": "bench",
                                             "EventPattern": json.dumps({"source": ["bench"]})})
            await call("events", "PutTargets", {"Rule": "r", "EventBusName": "bench",
                                                "Targets": [{"Id": "m", "Arn": arn, "RoleArn": ROLE}]})
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if mode in ("map", "xmap"):
            payload = json.dumps({"items": list(range(count))})
            if mode == "xmap":
                described = await call("stepfunctions", "StartSyncExecution", {"stateMachineArn": arn,
                                                                                "input": payload})
            else:
                execution = (await call("stepfunctions", "StartExecution", {"stateMachineArn": arn,
                                                                            "input": payload}))["executionArn"]
                while (described := await call("stepfunctions", "DescribeExecution",
                                               {"executionArn": execution}))["status"] == "RUNNING":
                    await asyncio.sleep(0.05)
            transitions, executions = 2 * count, 1
            if described["status"] != "SUCCEEDED":
                return f"{mode}: {described['status']} {described.get('error')} {described.get('cause')}"
        else:
            await _start_all(call, mode, arn, count)
            while int((await call("sqs", "GetQueueAttributes", {
                    "QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]}))["Attributes"][
                    "ApproximateNumberOfMessages"]) < count:
                await asyncio.sleep(0.01)
            transitions, executions = 5 * count, count
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        return (f"{mode}: {executions:,} execution(s), {transitions:,} transitions in {wall:.2f}s: "
                f"{transitions / wall:,.0f} transitions/s, CPU {1e6 * cpu / transitions:,.0f} us per transition"
                + ("" if executions == 1 else f", {1e6 * cpu / executions:,.0f} us per execution"))
    finally:
        await registry.stop()
        store.close()


async def _start_all(call: Any, mode: str, arn: str, count: int) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            if mode == "eventbridge":
                await call("events", "PutEvents", {"Entries": [
                    {"Source": "bench", "DetailType": "order", "EventBusName": "bench",
                     "Detail": json.dumps({"key": f"k{i}-{j}", "sent": time.time(), "amount": (i + j) % 1000})}
                    for j in range(10)]})
            else:
                await call("stepfunctions", "StartExecution", {"stateMachineArn": arn, "input": json.dumps(
                    {"detail": {"key": f"k{i}", "sent": time.time(), "amount": i % 1000}})})

    calls = count // 10 if mode == "eventbridge" else count
    await asyncio.gather(*(one(i) for i in range(calls)))


def main(argv: list[str]) -> None:
    mode = argv[0] if argv else "start"
    if mode not in ("start", "eventbridge", "map", "xmap"):
        raise SystemExit(__doc__)
    count = int(argv[1]) if len(argv) > 1 else (10_000 if mode in ("map", "xmap") else 3_000)
    print(asyncio.run(run(mode, count)))


if __name__ == "__main__":
    main(sys.argv[1:])
