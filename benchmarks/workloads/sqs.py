"""sqs: SendMessageBatch / ReceiveMessage + DeleteMessageBatch on a standard and a FIFO queue.

For each queue kind (``kinds``: standard, fifo) and each system, three phases, all with
boto3 clients in their own processes (one client per process):

1. **send**: ``producers`` (4) processes send ``messages`` (20,000) messages of ``size``
   (256) bytes in total, SendMessageBatch of 10, as fast as they can. ``sent msg/s`` =
   messages accepted / (last call's end - first call's start). On FIFO queues each
   producer spreads its messages over ``groups`` (50) message groups, with an explicit
   deduplication id.
2. **receive**: then ``consumers`` (4) processes drain the queue: ReceiveMessage (10,
   WaitTimeSeconds 1) then DeleteMessageBatch of what came, until every accepted message
   arrived or the phase timed out. ``recv+del msg/s`` = messages received / (first
   receive's start - last delete's end). ``lost`` = accepted messages never received,
   ``dup`` = receipts beyond the first of a message (the visibility timeout, 30 s, is
   longer than the phase, so any duplicate is a real one). ``order viol`` (FIFO): for
   each (group, producer), messages received (in receive order across consumers, one
   machine clock) whose number is lower than one received before.
3. **latency**: one producer sends ``latency_messages`` (1,000) single SendMessage calls
   at ``latency_rate`` (200) per second; one receiver long-polls (WaitTimeSeconds 20,
   up to 10) and deletes. The latency of a message is its receive time minus the time
   just before its SendMessage call (one clock). ``e2e p50/p99 ms``.

Then, with ``deep`` (1,000,000) messages already queued in a fresh queue of each kind:
phases 1 and 2 again (``sent/s @1M``, ``recv/s @1M``; the receives take the oldest, i.e.
preloaded messages). eventyard's queue is preloaded through its store (the SQLite file
the harness gave it) in chunks of 20,000 rows; a peer only through its API, which is
done only when its measured send rate fills the queue within ``preload_budget`` seconds,
else the cells say "n/m" and the notes say why.

The standard columns (ops/s, p50, p99, errors) are the SendMessageBatch calls of phase 1.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import signal
import time
import uuid
from collections import Counter, defaultdict
from typing import Any

from ..harness import LoadStats, Result, error_kind, log, make_client, percentile, start_forked
from ..wire import load_client
from . import RunContext, Workload, register

PRELOAD_CHUNK = 20_000


def _body(producer: int, n: int, group: int, size: int) -> str:
    head = f"{producer}:{n}:{group}:{time.time():.6f}:"
    return head + "x" * max(0, size - len(head))


def _parse(body: str) -> tuple[int, int, int, float]:
    p, n, g, t, _ = body.split(":", 4)
    return int(p), int(n), int(g), float(t)


# -- client processes ----------------------------------------------------------------
def _producer(index: int, endpoint: str, url: str, count: int, fifo: bool, params: dict[str, Any],
              start_at: float, deadline: float, out: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("sqs", endpoint, params["_client"], timeout=30)
    groups, size, batch = params["groups"], params["size"], params["batch"]
    accepted: list[int] = []
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.monotonic()
    for base in range(0, count, batch):
        if time.time() > deadline:
            errors["phase timed out"] += 1
            break
        entries = []
        for n in range(base, min(count, base + batch)):
            g = (n * 7 + index) % groups
            entry = {"Id": str(n), "MessageBody": _body(index, n, g, size)}
            if fifo:
                entry["MessageGroupId"] = f"g{g}"
                entry["MessageDeduplicationId"] = f"{index}-{n}"
            entries.append(entry)
        p0 = time.perf_counter()
        try:
            result = client.send_message_batch(QueueUrl=url, Entries=entries)
        except Exception as exc:  # noqa: BLE001 - every failure is a data point
            kind = error_kind(exc)
            errors[kind] += 1
            samples.setdefault(kind, str(exc)[:200])
            continue
        latencies.append(time.perf_counter() - p0)
        accepted += [int(s["Id"]) for s in result.get("Successful", [])]
        for f in result.get("Failed", []):
            kind = f"entry:{f.get('Code')}"
            errors[kind] += 1
            samples.setdefault(kind, str(f.get("Message"))[:200])
    out.put(("producer", index, {"index": index, "accepted": accepted, "latencies": latencies, "errors": errors,
                                 "samples": samples, "window": (t0, time.monotonic())}))


def _consumer(index: int, endpoint: str, url: str, expected: int, received: Any, deadline: float,
              wait: int, out: Any, mode: str) -> None:
    """Receive and delete until ``received`` reaches ``expected`` or the deadline passes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("sqs", endpoint, mode, timeout=30)
    got: list[tuple[int, int, int, float, int]] = []  # producer, n, group, receive time, position
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    first = last = None
    while received.value < expected and time.time() < deadline:
        t0 = time.monotonic()
        try:
            messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=wait).get("Messages", [])
        except Exception as exc:  # noqa: BLE001
            kind = error_kind(exc)
            errors[kind] += 1
            samples.setdefault(kind, str(exc)[:200])
            time.sleep(0.05)
            continue
        if not messages:
            continue
        t1 = time.monotonic()
        first = t0 if first is None else first
        for i, m in enumerate(messages):
            try:
                p, n, g, _ = _parse(m["Body"])
            except ValueError:
                errors["unparsable body"] += 1
                continue
            got.append((p, n, g, t1, i))
        with received.get_lock():
            received.value += len(messages)
        try:
            result = client.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            for f in result.get("Failed", []):
                errors[f"delete:{f.get('Code')}"] += 1
        except Exception as exc:  # noqa: BLE001
            kind = "delete:" + error_kind(exc)
            errors[kind] += 1
            samples.setdefault(kind, str(exc)[:200])
        last = time.monotonic()
    out.put(("consumer", index, {"got": got, "errors": errors, "samples": samples, "window": (first, last)}))


def _latency_receiver(endpoint: str, url: str, expected: int, deadline: float, out: Any, mode: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("sqs", endpoint, mode, timeout=30)
    lat: list[float] = []
    errors: Counter[str] = Counter()
    while len(lat) < expected and time.time() < deadline:
        try:
            messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=20).get("Messages", [])
        except Exception as exc:  # noqa: BLE001
            errors[error_kind(exc)] += 1
            time.sleep(0.05)
            continue
        now = time.time()
        for m in messages:
            lat.append(now - _parse(m["Body"])[3])
        if messages:
            try:
                client.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            except Exception as exc:  # noqa: BLE001
                errors["delete:" + error_kind(exc)] += 1
    out.put(("receiver", 0, {"lat": lat, "errors": errors}))


def _latency_sender(endpoint: str, url: str, count: int, rate: float, fifo: bool, params: dict[str, Any],
                    start_at: float, out: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("sqs", endpoint, params["_client"], timeout=30)
    errors: Counter[str] = Counter()
    sent = 0
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.monotonic()
    for n in range(count):
        due = t0 + n / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        g = n % params["groups"]
        kw: dict[str, Any] = {"QueueUrl": url, "MessageBody": _body(9, n, g, params["size"])}
        if fifo:
            kw.update(MessageGroupId=f"g{g}", MessageDeduplicationId=f"lat-{n}")
        try:
            client.send_message(**kw)
            sent += 1
        except Exception as exc:  # noqa: BLE001
            errors[error_kind(exc)] += 1
    out.put(("sender", 0, {"sent": sent, "errors": errors}))


def _gather(out: Any, procs: list[Any], want: dict[str, int], timeout: float) -> dict[str, list[dict[str, Any]]]:
    reports: dict[str, list[dict[str, Any]]] = defaultdict(list)
    try:
        while any(len(reports[k]) < n for k, n in want.items()):
            kind, _, report = out.get(timeout=timeout)
            reports[kind].append(report)
    except queue_mod.Empty:
        raise RuntimeError("a client process did not report") from None
    finally:
        for proc in procs:  # our own children, by their handles
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
    return reports


def _preload_store(store_url: str, arn: str, fifo: bool, count: int, params: dict[str, Any]) -> None:
    """eventyard's fast path: insert ``count`` messages straight through its store."""
    from eventyard.store import open_store
    from eventyard.store.messages import NewMessage

    store = open_store(store_url)
    try:
        queue = store.read_sync(lambda s: s.queues.get_by_arn(arn))
        assert queue is not None, arn
        now = int(time.time() * 1000)
        groups, size = params["groups"], params["size"]
        for base in range(0, count, PRELOAD_CHUNK):
            messages = []
            for n in range(base, min(count, base + PRELOAD_CHUNK)):
                g = n % groups
                messages.append(NewMessage(
                    message_id=str(uuid.uuid4()), body=_body(8, n, g, size), attributes=None, attributes_md5=None,
                    system_attributes=None, system_attributes_md5=None, sender_id="bench", sent_at=now,
                    visible_at=now, expires_at=now + 345_600_000, group_id=f"g{g}" if fifo else None,
                    dedup_id=f"pre-{n}" if fifo else None,
                ))

            def add(s: Any, messages: list[Any] = messages) -> None:
                seqs = s.messages.next_sequence_numbers(queue.id, len(messages)) if fifo else None
                s.messages.add(queue.id, messages, seqs)

            store.write_sync(add)
    finally:
        store.close()


@register
class Sqs(Workload):
    name = "sqs"
    description = ("SendMessageBatch / ReceiveMessage+DeleteMessageBatch, standard and FIFO: msg/s, "
                   "send-to-receive latency, lost/dup/order, rates with 1M queued")
    service = "sqs"
    defaults = {"messages": 20_000, "size": 256, "batch": 10, "groups": 50, "producers": 4, "consumers": 4,
                "latency_messages": 1000, "latency_rate": 200.0, "deep": 1_000_000, "kinds": "standard,fifo",
                "phase_timeout": 180.0, "preload_budget": 300.0}
    extra_columns = ("sent msg/s", "recv+del msg/s", "CPU us/sent", "CPU us/recv+del", "e2e p50 ms", "e2e p99 ms",
                     "lost", "dup", "order viol", "sent/s @1M", "recv/s @1M")

    def run(self, ctx: RunContext) -> list[Result]:  # type: ignore[override]
        params = dict(self.params)
        params["_client"] = ctx.client_mode
        sqs = make_client("sqs", ctx.endpoint, timeout=60)
        rows = []
        for kind in [k.strip() for k in params["kinds"].split(",") if k.strip()]:
            fifo = kind == "fifo"
            rows.append(self._kind(ctx, sqs, params, fifo))
        return rows

    def _create(self, sqs: Any, name: str, fifo: bool) -> tuple[str, str]:
        attrs = {"FifoQueue": "true"} if fifo else {}
        url = sqs.create_queue(QueueName=name + (".fifo" if fifo else ""), Attributes=attrs)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def _kind(self, ctx: RunContext, sqs: Any, params: dict[str, Any], fifo: bool) -> Result:
        kind = "fifo" if fifo else "standard"
        system = f"{ctx.system} {kind}"
        notes: list[str] = []
        extra: dict[str, Any] = {}
        url, _ = self._create(sqs, f"bench-{kind}", fifo)

        load = f"load {_load()}"
        log(f"[{ctx.system}] {kind}: send {params['messages']:,} ({load})")
        cpu0 = _cpu(ctx)
        send = self._send(ctx.endpoint, url, fifo, params)
        extra["sent msg/s"] = send["rate"]
        cpu1 = _cpu(ctx)
        extra["CPU us/sent"] = _us(cpu0, cpu1, send["accepted"])
        notes.append(f"{kind} send: {send['accepted']:,} accepted in {send['seconds']:.2f}s, "
                     f"{_per_message(cpu0, cpu1, send['accepted'])}, {load}")
        load = f"load {_load()}"
        log(f"[{ctx.system}] {kind}: receive+delete ({load})")
        recv = self._receive(ctx.endpoint, url, send["accepted"], params)
        extra["recv+del msg/s"] = recv["rate"]
        cpu2 = _cpu(ctx)
        extra["CPU us/recv+del"] = _us(cpu1, cpu2, recv["received"])
        notes.append(f"{kind} receive+delete: {recv['received']:,} received in {recv['seconds']:.2f}s, "
                     f"{_per_message(cpu1, cpu2, recv['received'])}, {load}")
        extra.update(check_deliveries(send["keys"], recv["got"], fifo))
        errors = send["errors"] + recv["errors"]

        load = f"load {_load()}"
        log(f"[{ctx.system}] {kind}: latency ({load})")
        lat_url, _ = self._create(sqs, f"bench-{kind}-latency", fifo)
        lat = self._latency(ctx.endpoint, lat_url, fifo, params)
        e2e = sorted(lat["lat"])
        extra["e2e p50 ms"] = None if not e2e else percentile(e2e, 50) * 1000
        extra["e2e p99 ms"] = None if not e2e else percentile(e2e, 99) * 1000
        notes.append(f"{kind} latency: {len(e2e):,} of {params['latency_messages']:,} received at "
                     f"{params['latency_rate']:g}/s offered, max {e2e[-1] * 1000 if e2e else 0:.1f} ms, {load}")
        errors += lat["errors"]

        deep = int(params["deep"])
        if deep > 0:
            deep_url, deep_arn = self._create(sqs, f"bench-{kind}-deep", fifo)
            estimate = deep / send["rate"] if send["rate"] else float("inf")
            preload_seconds = None
            t0 = time.monotonic()
            if ctx.system.startswith("eventyard") and ctx.store_url:
                log(f"[{ctx.system}] {kind}: preloading {deep:,} messages through the store")
                _preload_store(ctx.store_url, deep_arn, fifo, deep, params)
                preload_seconds = time.monotonic() - t0
                notes.append(f"{kind} @1M: {deep:,} preloaded through the store in {preload_seconds:.1f}s")
            elif estimate <= params["preload_budget"]:
                log(f"[{ctx.system}] {kind}: preloading {deep:,} messages through the API (~{estimate:.0f}s)")
                pre = self._send(ctx.endpoint, deep_url, fifo, {**params, "messages": deep,
                                                                 "phase_timeout": 2 * params["preload_budget"]})
                preload_seconds = time.monotonic() - t0
                notes.append(f"{kind} @1M: {pre['accepted']:,} preloaded through the API in {preload_seconds:.1f}s")
            else:
                extra["sent/s @1M"] = extra["recv/s @1M"] = "n/m"
                notes.append(f"{kind} @1M: not measured: preloading {deep:,} messages through the API at its "
                             f"measured {send['rate']:,.0f} msg/s would take ~{estimate / 60:.0f} min "
                             f"(budget {params['preload_budget']:.0f}s)")
            if preload_seconds is not None:
                load = f"load {_load()}"
                d_send = self._send(ctx.endpoint, deep_url, fifo, params)
                d_load = f"load {_load()}"
                d_recv = self._receive(ctx.endpoint, deep_url, params["messages"], params)
                extra["sent/s @1M"] = d_send["rate"]
                extra["recv/s @1M"] = d_recv["rate"]
                notes.append(f"{kind} @1M: send {d_send['accepted']:,} in {d_send['seconds']:.2f}s ({load}), "
                             f"receive+delete {d_recv['received']:,} in {d_recv['seconds']:.2f}s ({d_load})")
                errors += d_send["errors"] + d_recv["errors"]

        stats = send["stats"]
        result = Result.from_stats(system, stats, extra=extra)
        if errors:
            notes.append(f"{kind} errors: " + ", ".join(f"{k} x{n}" for k, n in errors.most_common(6)))
            for k, sample in list((send["samples"] | recv["samples"]).items())[:3]:
                notes.append(f"  {k}: {sample}")
        result.details[:0] = notes
        return result

    # -- phases --------------------------------------------------------------------------
    def _send(self, endpoint: str, url: str, fifo: bool, params: dict[str, Any]) -> dict[str, Any]:
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        n, total = params["producers"], params["messages"]
        start_at = time.time() + 1.0
        deadline = start_at + params["phase_timeout"]
        procs = [ctx.Process(target=_producer, args=(i, endpoint, url, total // n + (i < total % n), fifo, params,
                                                     start_at, deadline, out), daemon=True) for i in range(n)]
        start_forked(procs)
        reports = _gather(out, procs, {"producer": n}, params["phase_timeout"] + 60)["producer"]
        start = min(r["window"][0] for r in reports)
        end = max(r["window"][1] for r in reports)
        accepted = sum(len(r["accepted"]) for r in reports)
        stats = LoadStats(threads=n)
        stats.window_start, stats.window_end = start, end
        stats.latencies = [x for r in reports for x in r["latencies"]]
        errors: Counter[str] = Counter()
        samples: dict[str, str] = {}
        for r in reports:
            errors.update(r["errors"])
            for k, v in r["samples"].items():
                samples.setdefault(k, v)
        stats.errors = sum(errors.values())
        stats.error_kinds = Counter(errors)
        keys = {(r["index"], m) for r in reports for m in r["accepted"]}
        return {"rate": accepted / (end - start) if end > start else 0.0, "accepted": accepted,
                "seconds": end - start, "keys": keys, "stats": stats, "errors": errors, "samples": samples}

    def _receive(self, endpoint: str, url: str, expected: int, params: dict[str, Any]) -> dict[str, Any]:
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        received = ctx.Value("l", 0)
        deadline = time.time() + params["phase_timeout"]
        n = params["consumers"]
        procs = [ctx.Process(target=_consumer, args=(i, endpoint, url, expected, received, deadline, 1, out,
                                                      params["_client"]),
                             daemon=True) for i in range(n)]
        start_forked(procs)
        reports = _gather(out, procs, {"consumer": n}, params["phase_timeout"] + 60)["consumer"]
        starts = [r["window"][0] for r in reports if r["window"][0] is not None]
        ends = [r["window"][1] for r in reports if r["window"][1] is not None]
        got = [g for r in reports for g in r["got"]]
        seconds = (max(ends) - min(starts)) if starts and ends else 0.0
        errors: Counter[str] = Counter()
        samples: dict[str, str] = {}
        for r in reports:
            errors.update(r["errors"])
            for k, v in r["samples"].items():
                samples.setdefault(k, v)
        return {"rate": len(got) / seconds if seconds > 0 else 0.0, "received": len(got), "seconds": seconds,
                "got": got, "errors": errors, "samples": samples}

    def _latency(self, endpoint: str, url: str, fifo: bool, params: dict[str, Any]) -> dict[str, Any]:
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        count, rate = params["latency_messages"], params["latency_rate"]
        start_at = time.time() + 1.5
        deadline = start_at + count / rate + 30
        procs = [ctx.Process(target=_latency_receiver, args=(endpoint, url, count, deadline, out, params["_client"]),
                             daemon=True),
                 ctx.Process(target=_latency_sender, args=(endpoint, url, count, rate, fifo, params, start_at, out),
                             daemon=True)]
        start_forked(procs)
        reports = _gather(out, procs, {"receiver": 1, "sender": 1}, count / rate + 90)
        errors: Counter[str] = Counter()
        for r in reports["receiver"] + reports["sender"]:
            errors.update(r["errors"])
        return {"lat": reports["receiver"][0]["lat"], "errors": errors}


def check_deliveries(sent: set[tuple[int, int]], got: list[tuple[int, int, int, float, int]],
                     fifo: bool) -> dict[str, int | None]:
    """``lost``: accepted (producer, n) never received; ``dup``: receipts beyond a message's
    first, or of a message never accepted; ``order viol`` (FIFO only, else None)."""
    received = Counter((p, n) for p, n, *_ in got)
    return {
        "lost": sum(1 for k in sent if k not in received),
        "dup": sum(c - 1 for c in received.values() if c > 1) + sum(c for k, c in received.items() if k not in sent),
        "order viol": _order_violations(got) if fifo else None,
    }


def _order_violations(got: list[tuple[int, int, int, float, int]]) -> int:
    """Messages of a (group, producer) received after a later-sent one of the same pair."""
    seen: set[tuple[int, int]] = set()
    last: dict[tuple[int, int], int] = {}
    violations = 0
    for p, n, g, _, _ in sorted(got, key=lambda r: (r[3], r[4])):
        if (p, n) in seen:
            continue  # a duplicate is counted as such, not as disorder
        seen.add((p, n))
        if n < last.get((g, p), -1):
            violations += 1
        last[(g, p)] = max(n, last.get((g, p), -1))
    return violations


def _cpu(ctx: RunContext) -> float | None:
    return ctx.server_cpu() if ctx.server_cpu else None


def _us(before: float | None, after: float | None, count: int) -> float | None:
    """Server CPU microseconds per operation over a phase."""
    if before is None or after is None or not count:
        return None
    return 1e6 * (after - before) / count


def _per_message(before: float | None, after: float | None, messages: int) -> str:
    """Server CPU per message over a phase (client start-up included, which is idle time)."""
    if before is None or after is None or not messages:
        return "server CPU n/a"
    return f"server CPU {1e6 * (after - before) / messages:,.0f} us/msg"


def _load() -> str:
    import os

    return f"{os.getloadavg()[0]:.2f}"
