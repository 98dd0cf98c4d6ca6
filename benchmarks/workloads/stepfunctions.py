"""stepfunctions: Standard executions started by an EventBridge rule and by StartExecution,
an inline Map of 10,000 items, start-to-end latency at a fixed offered rate.

Setup (untimed), per phase its own SQS queue and state machine, so that phases never
see each other's messages. The five-state Standard machine is

    Stamp (Pass: key, sent, amount from $.detail) -> Route (Choice on amount)
    -> Notify (Task arn:aws:states:::sqs:sendMessage, the Pass output as body)
    -> Tidy (Pass) -> Done (Succeed)

so an execution is 5 state transitions and ends (as far as the client can see) when its
message is on the queue. The message carries the execution's key and its start time, so
ends are detected by consumer processes long-polling the queue (ReceiveMessage 10,
WaitTimeSeconds 2, DeleteMessageBatch), never by DescribeExecution per execution.

Phases (``-p phases=eventbridge,start,map,latency``), each on a fresh queue and machine:

1. ``eventbridge``: ``procs`` (4) producer processes send PutEvents batches of ``batch``
   (10) as fast as they can for ``--duration`` seconds into a custom bus whose one rule
   targets the state machine (the event is the execution's input, so ``$.detail`` holds
   the fields). ``EB exec/s`` = executions completed (messages received) / (first send
   to last receive).
2. ``start``: the same with StartExecution, ``start_threads`` (2) threads per producer
   process, input ``{"detail": {...}}``. ``start exec/s`` likewise; the standard
   ops/s, p50, p99 and errors columns are these StartExecution calls.
3. ``map``: one execution of a machine whose ``Map`` (MaxConcurrency 0) runs two Pass
   states per item over ``map_items`` (10,000) items from the input, once per mode of
   ``map_mode`` (a comma-separated list, default ``distributed,express``). Transitions/s =
   2 x items / (start sent to end seen); the output is checked (``results`` must be the
   items in order), otherwise the cell is empty and a note says why. Modes:
   ``distributed`` (columns ``map trans/s``, ``map CPU us/tr``): a STANDARD machine with
   a DISTRIBUTED Map of STANDARD child executions (one per item: the durable way to map
   10,000 items on AWS), polled with DescribeExecution every 50 ms until it leaves RUNNING
   (or ``map_timeout``, 180 s). ``express`` (columns ``xmap ...``): an inline Map in an
   EXPRESS machine, run with StartSyncExecution (which answers at the end; nothing is
   durable, the interpreter alone). ``standard``: the inline Map in a STANDARD machine. On
   AWS an inline Map's iterations are history events of the execution (about 6 per item
   here), so past about 4,100 items a Standard execution fails with the 25,000-event
   history limit, and eventyard fails it the same way: 10,000 items inline cannot run in
   a Standard machine (its column stays empty, with a note).
4. ``latency``: StartExecution offered at ``rate`` (200) executions/s in total, paced,
   for ``--warmup`` + ``--duration`` seconds; ``e2e p50/p99 ms`` = the consumer's receive
   time minus the time just before StartExecution (one machine, one clock), over the
   executions started after the warm-up.

After phases 1, 2 and 4 the consumers drain until every started execution's message
arrived or nothing came for ``drain_idle`` (10) seconds: ``lost`` = started executions
whose message never came, ``dup`` = messages beyond one per execution (all phases).
Server CPU per transition (the server's process group's user + system time from /proc over
the phase, divided by 5 per completed execution, or by the Map's transitions) is in the
columns ``EB CPU us/tr`` and ``exec CPU us/tr`` (the ``eventbridge`` and ``start``
phases: they include the PutEvents or StartExecution calls and the consumers' SQS
receives and deletes), ``map CPU us/tr`` and ``xmap CPU us/tr``.

Peers: moto (5.x) by default runs no execution (StartExecution records one that stays
RUNNING; its EventBridge does not deliver to state machines); ``-p moto_execute=1`` switches
on its interpreter through ``/moto-api/config``. ministack runs executions in threads, in
memory, and its EventBridge starts them.

Targets from issue 15 on the 2-core machine, durable (stated, not asserted here):
**>= 1,000 executions/s completed**, **>= 10,000 transitions/s** in the Map,
**p99 <= 100 ms** start to end at 200 executions/s offered.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from typing import Any

import orjson

from ..harness import Result, error_kind, log, make_client, percentile
from ..wire import load_client
from . import RunContext, register
from ._fanout import FanoutWorkload

BUS = "bench-sfn-bus"
SOURCE = "bench.sfn"
ROLE = "arn:aws:iam::123456789012:role/bench-sfn"
TRANSITIONS_PER_EXECUTION = 5
MAP_STATES_PER_ITEM = 2
MAP_MODES = ("express", "standard", "distributed")


def five_state_definition(queue_url: str) -> dict[str, Any]:
    """Pass, Choice, SQS task, Pass, Succeed; the message body is the first Pass's output."""
    return {
        "Comment": "eventyard benchmark: five states",
        "StartAt": "Stamp",
        "States": {
            "Stamp": {"Type": "Pass", "Next": "Route",
                      "Parameters": {"key.$": "$.detail.key", "sent.$": "$.detail.sent",
                                     "amount.$": "$.detail.amount"}},
            "Route": {"Type": "Choice", "Default": "Notify",
                      "Choices": [{"Variable": "$.amount", "NumericGreaterThanEquals": 500, "Next": "Notify"}]},
            "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "Tidy",
                       "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$"}, "ResultPath": "$.sqs"},
            "Tidy": {"Type": "Pass", "Result": "done", "ResultPath": "$.status", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }


def map_definition(mode: str) -> dict[str, Any]:
    """One Map over ``$.items``, two Pass states per item; results under ``$.results``.
    ``express`` and ``standard``: an inline Map; ``distributed``: a distributed Map of
    Standard child executions (one per item)."""
    config: dict[str, Any] = {"Mode": "INLINE"}
    if mode == "distributed":
        config = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    return {
        "Comment": "eventyard benchmark: Map",
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "ResultPath": "$.results", "End": True,
                "ItemSelector": {"n.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": config,
                    "StartAt": "Tag",
                    "States": {
                        "Tag": {"Type": "Pass", "Result": "ok", "ResultPath": "$.tag", "Next": "Out"},
                        "Out": {"Type": "Pass", "OutputPath": "$.n", "End": True},
                    },
                },
            },
        },
    }


# -- client processes ---------------------------------------------------------------
def _starter(index: int, endpoint: str, params: dict[str, Any], per_proc_rate: float | None, start_at: float,
             duration: float, out: Any) -> None:
    """Start executions (PutEvents batches or StartExecution calls) until ``duration`` after
    ``start_at``, paced when ``per_proc_rate``; reports in the fan-out producers' shape."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    mode, batch = params["_mode"], params["batch"]
    threads = 1 if mode == "eventbridge" else max(1, int(params["start_threads"]))
    per_thread_rate = per_proc_rate / threads if per_proc_rate else None
    prefix = f"{params['_phase']}-{index}"
    accepted: list[tuple[str, str, float, tuple[int, ...]]] = []  # (id, key, sent, queues)
    latencies: list[tuple[float, float]] = []
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    lock = threading.Lock()

    def fail(exc: BaseException | None, kind: str | None = None, message: str = "") -> None:
        kind = kind or error_kind(exc)  # type: ignore[arg-type]
        with lock:
            errors[kind] += 1
            samples.setdefault(kind, (message or str(exc))[:200])

    def run(thread: int, client: Any, t0: float) -> None:
        n = 0
        calls = 0
        per_call = batch if mode == "eventbridge" else 1
        while True:
            now = time.time()
            if now - t0 >= duration:
                return
            if per_thread_rate:
                due = t0 + calls * per_call / per_thread_rate
                if due > now:
                    time.sleep(due - now)
            sent = time.time()
            details: list[dict[str, Any]] = []
            for _ in range(per_call):
                details.append({"key": f"{prefix}-{thread}-{n}", "sent": sent, "amount": (n * 37 + index) % 1000})
                n += 1
            calls += 1
            p0 = time.perf_counter()
            try:
                if mode == "eventbridge":
                    answer = client.put_events(Entries=[
                        {"Source": SOURCE, "DetailType": "Order", "EventBusName": BUS, "Detail": orjson.dumps(d).decode()}
                        for d in details])
                    results = answer.get("Entries", [])
                else:
                    answer = client.start_execution(stateMachineArn=params["_target"],
                                                    input=orjson.dumps({"detail": details[0]}).decode())
                    results = [{"EventId": answer["executionArn"]}]
            except Exception as exc:  # noqa: BLE001 - every failure is a data point
                fail(exc)
                continue
            dt = time.perf_counter() - p0
            with lock:
                latencies.append((sent, dt))
                for d, r in zip(details, results):
                    if "EventId" in r:
                        accepted.append((r["EventId"], d["key"], sent, (0,)))
                    else:
                        errors[f"entry:{r.get('ErrorCode')}"] += 1
                        samples.setdefault(f"entry:{r.get('ErrorCode')}", str(r.get("ErrorMessage"))[:200])

    service = "events" if mode == "eventbridge" else "stepfunctions"
    clients = [load_client(service, endpoint, params["_client"]) for _ in range(threads)]
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.time()
    workers = [threading.Thread(target=run, args=(i, c, t0), daemon=True) for i, c in enumerate(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(("producer", index, {"accepted": accepted, "latencies": latencies, "errors": errors,
                                 "samples": samples, "window": (t0, time.time())}))


def _parse_body(body: str) -> tuple[str, float]:
    value: Any = orjson.loads(body)
    if isinstance(value, str):  # a body JSON-encoded twice
        value = orjson.loads(value)
    return str(value["key"]), float(value["sent"])


def _receiver(index: int, endpoint: str, urls: list[tuple[int, str]], pollers: int, stop: Any, received: Any,
              out: Any, mode: str = "boto3") -> None:
    """Long-poll the phase's queue until ``stop``; report every message (an ended execution)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    got: list[tuple[str, int, float, float]] = []  # (key, queue index, sent, received)
    lock = threading.Lock()
    errors: Counter[str] = Counter()

    def drain(q: int, url: str) -> None:
        client = load_client("sqs", endpoint, mode)
        while not stop.is_set():
            try:
                messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                  WaitTimeSeconds=2).get("Messages", [])
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors[error_kind(exc)] += 1
                time.sleep(0.1)
                continue
            now = time.time()
            if not messages:
                continue
            rows = []
            for m in messages:
                try:
                    key, sent = _parse_body(m["Body"])
                    rows.append((key, q, sent, now))
                except (ValueError, KeyError, TypeError):
                    with lock:
                        errors["unparsable body"] += 1
            with lock:
                got.extend(rows)
            with received.get_lock():
                received.value += len(rows)
            try:
                client.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors["delete:" + error_kind(exc)] += 1

    threads = [threading.Thread(target=drain, args=(q, url), daemon=True) for q, url in urls for _ in range(pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("consumer", index, {"got": got, "errors": errors}))


# -- the workload -------------------------------------------------------------------
@register
class StepFunctions(FanoutWorkload):
    noun = "execution"
    accepted_verb = "started"
    producer = staticmethod(_starter)
    consumer = staticmethod(_receiver)
    name = "stepfunctions"
    description = ("Standard 5-state executions (Pass, Choice, SQS task, Pass, Succeed) started by an EventBridge "
                   "rule and by StartExecution; inline Map of 10,000 items; e2e latency at 200/s; CPU/transition")
    service = "stepfunctions"
    defaults = {"batch": 10, "start_threads": 2, "consumers": 2, "pollers": 3, "rate": 200, "map_items": 10_000,
                "map_mode": "distributed,express", "map_timeout": 180.0, "drain_idle": 10.0, "moto_execute": False,
                "phases": "eventbridge,start,map,latency"}
    # map: the distributed Map of Standard children (durable); xmap: the inline Map of an
    # Express machine run by StartSyncExecution (the interpreter alone)
    extra_columns = ("EB exec/s", "start exec/s", "map trans/s", "xmap trans/s", "e2e p50 ms", "e2e p99 ms",
                     "lost", "dup", "EB CPU us/tr", "exec CPU us/tr", "map CPU us/tr", "xmap CPU us/tr")

    def run(self, ctx: RunContext) -> Result:
        params = dict(self.params)
        params["_client"] = ctx.client_mode
        procs = ctx.procs if ctx.procs > 1 else 4  # four producer processes unless --procs says otherwise
        sfn = make_client("stepfunctions", ctx.endpoint, timeout=60)
        sqs = make_client("sqs", ctx.endpoint)
        events = make_client("events", ctx.endpoint)
        if ctx.system == "moto" and params["moto_execute"]:
            _moto_execute(ctx.endpoint)
            notes_moto = ["moto: execute_state_machine switched on through /moto-api/config"]
        else:
            notes_moto = []
        phases = [p.strip() for p in params["phases"].split(",") if p.strip()]
        unknown = set(phases) - {"eventbridge", "start", "map", "latency"}
        if unknown:
            raise ValueError(f"unknown phases {sorted(unknown)}")
        extra: dict[str, Any] = {"lost": 0, "dup": 0}
        notes = [f"{procs} producer processes ({params['start_threads']} threads each for StartExecution), "
                 f"{params['consumers']} consumer processes ({params['pollers']} pollers)", *notes_moto]
        start_stats = None
        offset = 0
        for phase in phases:
            if phase == "map":
                for mode in [m.strip() for m in str(params["map_mode"]).split(",") if m.strip()]:
                    self._map(ctx, sfn, params, mode, extra, notes)
                continue
            url = sqs.create_queue(QueueName=f"bench-sfn-{phase}")["QueueUrl"]
            machine = sfn.create_state_machine(name=f"bench-five-{phase}", roleArn=ROLE, type="STANDARD",
                                               definition=json.dumps(five_state_definition(url)))["stateMachineArn"]
            params.update(_phase=phase, _target=machine, _offset=offset,
                          _mode="eventbridge" if phase == "eventbridge" else "start")
            offset += procs
            if phase == "eventbridge":
                events.create_event_bus(Name=BUS)
                events.put_rule(Name="bench-sfn-rule", EventBusName=BUS,
                                EventPattern=json.dumps({"source": [SOURCE]}))
                events.put_targets(Rule="bench-sfn-rule", EventBusName=BUS,
                                   Targets=[{"Id": "machine", "Arn": machine, "RoleArn": ROLE}])
            rate = float(params["rate"]) if phase == "latency" else None
            seconds = ctx.duration + (ctx.warmup if phase == "latency" else 0.0)
            load = os.getloadavg()[0]
            log(f"[{ctx.system}] {phase} (load {load:.2f})")
            cpu0 = _cpu(ctx)
            outcome = self._phase(ctx.endpoint, params, procs, [url], rate, seconds)
            cpu1 = _cpu(ctx)
            completed = outcome["delivered_per_s"]
            received = len(outcome["e2e"])
            extra["lost"] += outcome["lost"]
            extra["dup"] += outcome["dup"]
            notes += [f"[{phase}] {line}" for line in outcome["notes"]]
            notes.append(f"[{phase}] {_per_transition(cpu0, cpu1, received * TRANSITIONS_PER_EXECUTION)} "
                         f"({received:,} executions x {TRANSITIONS_PER_EXECUTION}), load {load:.2f} at the start")
            if phase == "eventbridge":
                extra["EB exec/s"] = completed
                extra["EB CPU us/tr"] = _us(cpu0, cpu1, received * TRANSITIONS_PER_EXECUTION)
            elif phase == "start":
                extra["start exec/s"] = completed
                extra["exec CPU us/tr"] = _us(cpu0, cpu1, received * TRANSITIONS_PER_EXECUTION)
                start_stats = outcome["put_stats"]
            else:
                warm_end = outcome["start"] + ctx.warmup
                e2e = sorted(r - s for s, r in outcome["e2e"] if s >= warm_end)
                extra["e2e p50 ms"] = _ms_value(percentile(e2e, 50))
                extra["e2e p99 ms"] = _ms_value(percentile(e2e, 99))
                notes.append(f"[latency] {len(e2e):,} executions measured at {params['rate']} executions/s offered, "
                             f"p90 {_ms(percentile(e2e, 90))}, max {_ms(e2e[-1] if e2e else None)}")
        result = (Result(ctx.system, extra=extra) if start_stats is None
                  else Result.from_stats(ctx.system, start_stats, extra=extra))
        result.details[:0] = notes
        return result

    def _map(self, ctx: RunContext, sfn: Any, params: dict[str, Any], mode: str, extra: dict[str, Any],
             notes: list[str]) -> None:
        items = int(params["map_items"])
        if mode not in MAP_MODES:
            raise ValueError(f"map_mode must be one of {', '.join(MAP_MODES)}, not {mode!r}")
        column = "xmap" if mode == "express" else "map"
        machine_type = "EXPRESS" if mode == "express" else "STANDARD"
        try:
            machine = sfn.create_state_machine(name=f"bench-map-{mode}", roleArn=ROLE, type=machine_type,
                                               definition=json.dumps(map_definition(mode)))["stateMachineArn"]
        except Exception as exc:  # noqa: BLE001 - a peer that refuses the definition is a note
            notes.append(f"[map] {items:,} items, {mode}: not counted: {error_kind(exc)}: {str(exc)[:200]}")
            return
        payload = json.dumps({"items": list(range(items))})
        load = os.getloadavg()[0]
        log(f"[{ctx.system}] map of {items:,} items, {mode} (load {load:.2f})")
        cpu0 = _cpu(ctx)
        t0 = time.perf_counter()
        polls = 0
        try:
            if mode == "express":
                # the synchronous start answers at the end: no polling, exact end
                sync = make_client("stepfunctions", ctx.endpoint, timeout=params["map_timeout"],
                                   inject_host_prefix=False)
                described = sync.start_sync_execution(stateMachineArn=machine, input=payload)
            else:
                arn = sfn.start_execution(stateMachineArn=machine, input=payload)["executionArn"]
                deadline = t0 + params["map_timeout"]
                while True:
                    described = sfn.describe_execution(executionArn=arn)
                    polls += 1
                    if described["status"] != "RUNNING" or time.perf_counter() > deadline:
                        break
                    time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 - a peer without the operation is a note
            notes.append(f"[map] {items:,} items, {mode}: not counted: {error_kind(exc)}: {str(exc)[:200]}")
            return
        seconds = time.perf_counter() - t0
        cpu1 = _cpu(ctx)
        transitions = items * MAP_STATES_PER_ITEM
        status = described["status"]
        verdict = _map_verdict(described, items)
        head = (f"[map] {items:,} items x {MAP_STATES_PER_ITEM} states, {mode} ({machine_type} machine): {status} "
                f"after {seconds:.2f}s" + (f" ({polls} DescribeExecution polls)" if polls else " (StartSyncExecution)"))
        if verdict:
            notes.append(f"{head}; not counted: {verdict}")
            return
        extra[f"{column} trans/s"] = transitions / seconds
        extra[f"{column} CPU us/tr"] = _us(cpu0, cpu1, transitions)
        server = ""
        if described.get("startDate") and described.get("stopDate"):
            server = f", server's stopDate - startDate {(described['stopDate'] - described['startDate']).total_seconds():.2f}s"
        notes.append(f"{head}{server}, {_per_transition(cpu0, cpu1, transitions)}, load {load:.2f} at the start")


def _map_verdict(described: dict[str, Any], items: int) -> str:
    """Why the Map execution does not count ('' if it ran and returned every item in order)."""
    if described["status"] != "SUCCEEDED":
        cause = (described.get("error") or "") + " " + (described.get("cause") or "")
        return f"status {described['status']} {cause.strip()[:200]}".strip()
    try:
        results = json.loads(described.get("output") or "null")["results"]
    except (ValueError, KeyError, TypeError):
        return f"output has no results: {str(described.get('output'))[:120]!r}"
    if results != list(range(items)):
        return f"results are not the items ({len(results) if isinstance(results, list) else type(results).__name__})"
    return ""


def _moto_execute(endpoint: str) -> None:
    """moto keeps every execution RUNNING and runs nothing unless its config says
    ``stepfunctions.execute_state_machine`` (then its ASL interpreter runs them)."""
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/moto-api/config", method="POST",
                                     data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def _cpu(ctx: RunContext) -> float | None:
    return ctx.server_cpu() if ctx.server_cpu else None


def _us(before: float | None, after: float | None, transitions: int) -> float | None:
    if before is None or after is None or not transitions:
        return None
    return 1e6 * (after - before) / transitions


def _per_transition(before: float | None, after: float | None, transitions: int) -> str:
    if not transitions:
        return "server CPU per transition: none (no execution completed)"
    us = _us(before, after, transitions)
    return "server CPU n/a" if us is None else f"server CPU {us:,.0f} us/transition"


def _ms_value(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"
