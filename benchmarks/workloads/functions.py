"""functions: Lambda functions run by the system itself: warm synchronous Invoke of a no-op
Python handler, cold starts, and an SQS event source mapping draining a full queue.

Phases (``-p phases=warm,cold,sqs``), each on its own functions:

1. ``warm``: one function ``def handler(e, c): return e`` (``python3.12``, created from
   ``Code.ZipFile``), invoked once to start its worker, then

   * ``tail_invokes`` (200) sequential ``RequestResponse`` invokes with ``LogType: Tail``
     from one caller: the **server-side overhead** of each is its latency minus the
     handler's ``Duration`` from the ``REPORT`` line in ``LogResult`` (column
     ``overhead p50 ms``); a system that returns no REPORT line leaves it empty;
   * ``--threads`` (4) callers invoking as fast as they can for ``--duration`` seconds
     after ``--warmup``, without ``LogType``: the standard ops/s, p50, p99 and errors
     columns, and the server process's own CPU per invoke (``CPU us/inv``, from /proc:
     the server's user + system time over the phase, its children apart, divided by the
     invokes of the phase, warm-up included). The CPU of the function processes (the
     server's descendants) is in the notes.

   Invokes go through the load's client (``--client``): by default the cheap one
   (``benchmarks.wire``: the request serialized once by botocore, replayed over one
   keep-alive connection per caller), because boto3 costs the client about a millisecond
   of CPU per call, as much as the overhead being measured; ``--client boto3`` shows what
   SDK users see. Each answer is checked to echo the payload.
2. ``cold``: ``cold_functions`` (10) functions, one after the other: CreateFunction, poll
   GetFunctionConfiguration every 20 ms until ``State`` is ``Active``, then the first
   invoke (``LogType: Tail``). ``cold p50 ms`` is that first invoke's latency, ``init p50
   ms`` the ``Init Duration`` of its REPORT line; the notes add create-to-Active and
   create-to-first-answer.
3. ``sqs``: a standard queue filled with ``messages`` (10,000) messages (SendMessageBatch,
   4 threads, untimed), a function whose handler appends the batch's message ids to a file
   (``BENCH_OUT``, one file per worker process: that is how the handler count is read,
   from this machine's file system, since every system here runs functions as local
   processes), invoked once to start a worker; then CreateEventSourceMapping (BatchSize
   ``batch``, 10) and GetQueueAttributes every 50 ms until ApproximateNumberOfMessages
   and ApproximateNumberOfMessagesNotVisible are both 0 and the handler has seen every
   message (or ``esm_timeout``, 300 s, or nothing moved for ``esm_idle``, 20 s). ``sqs
   msg/s`` = distinct messages handled / (CreateEventSourceMapping sent to that moment);
   ``sqs lost`` = messages the handler never saw; duplicates are in the notes with the
   server's CPU per message. A system that refuses CreateEventSourceMapping (eventyard
   before its mappings exist) gets ``not served`` in the cell and the error in the notes.

A system that refuses CreateFunction (no Lambda at all) gets a row of empty cells, ``not
served`` under ``sqs msg/s`` and the error in the notes.

Peers: **ministack** runs Python functions as local subprocesses (a warm worker per
function speaking JSON lines on stdin/stdout, no Runtime API) and polls SQS for its
mappings in a thread. **moto** runs functions only in Docker (``docker run`` per invoke),
which this machine has not: its invokes fail, the notes say so and its warm and cold cells
stay empty; its mapping is still created on a queue of 10 messages and what moto does with
them is reported.

Targets from issue 16 on the 2-core machine (stated, not asserted here): **<= 1 ms**
server-side overhead per warm invoke (p50), **<= 250 ms** cold start for a small Python
handler, **>= 5,000 messages/s** through an SQS mapping with batches of 10.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..harness import LoadStats, Result, error_kind, log, make_client, percentile, run_load
from ..processes import stat_fields
from ..wire import load_client
from . import RunContext, Workload, register

ROLE_NAME = "bench-functions"
TRUST_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
HANDLER = "lambda_function.handler"
NOOP_SOURCE = "def handler(e, c):\n    return e\n"
# One small append per batch; the file is opened once per worker process.
COUNTING_SOURCE = '''import os

_out = None


def handler(e, c):
    global _out
    if _out is None:
        _out = os.open(f"{os.environ['BENCH_OUT']}.{os.getpid()}", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    ids = [r["messageId"] for r in e.get("Records") or ()]
    if ids:
        os.write(_out, ("\\n".join(ids) + "\\n").encode())
'''
_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: ([0-9.]+) ms")
_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")
MOTO_NO_DOCKER = ("moto runs functions only in Docker (one `docker run` per invoke); this machine has no Docker "
                  "daemon, so moto's Invoke fails and its warm and cold cells are empty")


def code_zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lambda_function.py", source)
    return buffer.getvalue()


class NotServed(Exception):
    """The system does not serve Lambda at all (CreateFunction is refused)."""


class InvokeError(Exception):
    """A failed Invoke, shaped like botocore's ClientError for ``error_kind``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


class InvokeClient:
    """Lambda's Invoke through the load's client (``benchmarks.wire``: the request serialized
    once by botocore and replayed over one keep-alive connection; or boto3), so that with the
    cheap client the latency is mostly the server's. Neither re-signs: these servers do not
    verify signatures (eventyard's default ``--auth none``)."""

    def __init__(self, endpoint: str, timeout: float = 60.0, mode: str = "cheap") -> None:
        self.client = load_client("lambda", endpoint, mode, timeout=timeout)

    def invoke(self, function: str, payload: bytes, *, tail: bool = False) -> tuple[bytes, str]:
        """The function's answer and its decoded LogResult ('' without ``tail``)."""
        answer = self.client.invoke(FunctionName=function, Payload=payload, **({"LogType": "Tail"} if tail else {}))
        body = answer.get("Payload") or b""
        if hasattr(body, "read"):  # boto3's StreamingBody
            body = body.read()
        function_error = answer.get("FunctionError")
        if function_error:
            raise InvokeError(f"FunctionError:{function_error}", body[:300].decode(errors="replace"))
        log_result = answer.get("LogResult")
        return body, base64.b64decode(log_result).decode(errors="replace") if log_result else ""

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close is not None:
            close()


def report_durations(log_tail: str) -> tuple[float | None, float | None]:
    """(Duration, Init Duration) in ms from a REPORT line, each None when absent."""
    duration = _REPORT.search(log_tail)
    init = _INIT.search(log_tail)
    return (float(duration.group(1)) if duration else None, float(init.group(1)) if init else None)


# -- CPU of the server process and of its descendants (function workers) -------------
def _ticks(fields: list[str], children: bool) -> int:
    # utime, stime (fields 14, 15); with cutime, cstime (16, 17) for reaped children
    return sum(int(f) for f in fields[11:15 if children else 13])


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _forked_workers(pid: int) -> list[int]:
    """``eventyard serve --workers N``'s workers: children forked from the server, so with
    its command line; they are the server, not function processes."""
    own = _cmdline(pid)
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields and int(fields[1]) == pid and fields[0] != "Z" and _cmdline(int(entry)) == own:
                found.append(int(entry))
    return found


def process_cpu(pid: int | None) -> tuple[float, float] | None:
    """The server's own user + system seconds (its forked workers' included), and those of
    the children it reaped."""
    if pid is None:
        return None
    fields = stat_fields(pid)
    if fields is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    own = _ticks(fields, children=False)
    reaped = _ticks(fields, children=True) - own
    for worker in _forked_workers(pid):
        worker_fields = stat_fields(worker)
        if worker_fields:
            own += _ticks(worker_fields, children=False)
            reaped += _ticks(worker_fields, children=True) - _ticks(worker_fields, children=False)
    return own / tick, reaped / tick


def descendants_cpu(pid: int | None) -> float | None:
    """User + system seconds of the live descendants of ``pid`` (and the children they
    reaped): function workers, whatever session they started."""
    if pid is None:
        return None
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields:
                parents[int(entry)] = int(fields[1])
                stats[int(entry)] = fields
    workers = set(_forked_workers(pid))
    total = 0
    for child, fields in stats.items():
        if child in workers:
            continue
        ancestor = parents.get(child)
        while ancestor and ancestor != pid:
            ancestor = parents.get(ancestor)
        if ancestor == pid:
            total += _ticks(fields, children=True)
    return total / os.sysconf("SC_CLK_TCK")


class _Cpu:
    """Server and function CPU seconds between two points. ``idle_rate``: the server's CPU
    seconds per second with nothing to do (its timers and pollers), taken off its figure."""

    def __init__(self, pid: int | None, idle_rate: float = 0.0) -> None:
        self.pid, self.idle_rate = pid, idle_rate
        self.t0 = time.perf_counter()
        self.server0, self.functions0 = process_cpu(pid), descendants_cpu(pid)

    def _deltas(self) -> tuple[float, float, float | None] | None:
        """(server seconds, idle seconds to take off, function seconds) since the start."""
        server1, functions1 = process_cpu(self.pid), descendants_cpu(self.pid)
        if self.server0 is None or server1 is None:
            return None
        functions = None
        if self.functions0 is not None and functions1 is not None:
            # live descendants plus what the server reaped; a worker that exited unreaped
            # in between takes its ticks along, so this may undercount
            functions = max(0.0, functions1 - self.functions0) + (server1[1] - self.server0[1])
        return server1[0] - self.server0[0], self.idle_rate * (time.perf_counter() - self.t0), functions

    def per(self, count: int) -> tuple[float | None, str]:
        """Server CPU microseconds per ``count`` (idle taken off), and a note."""
        deltas = self._deltas()
        if not count or deltas is None:
            return None, "server CPU n/a"
        server, idle, functions = deltas
        net = 1e6 * max(0.0, server - idle) / count
        text = f"server CPU {net:,.0f} us"
        if idle:
            text += f" ({1e6 * server / count:,.0f} us before taking off its idle CPU)"
        if functions is not None:
            text += f", function processes {1e6 * functions / count:,.0f} us"
        return net, text


def idle_rate(pid: int | None, seconds: float) -> float:
    """The server's own CPU seconds per second while nothing is asked of it."""
    before = process_cpu(pid)
    if before is None or seconds <= 0:
        return 0.0
    time.sleep(seconds)
    after = process_cpu(pid)
    return 0.0 if after is None else (after[0] - before[0]) / seconds


def _ms(values: list[float], q: float) -> str:
    p = percentile(sorted(values), q)
    return "-" if p is None else f"{p:.1f} ms"


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    return (f"p50 {percentile(ordered, 50):.1f} ms, p90 {percentile(ordered, 90):.1f} ms, "
            f"max {ordered[-1]:.1f} ms (n={len(values)})")


# -- the workload -------------------------------------------------------------------
@register
class Functions(Workload):
    name = "functions"
    description = ("Lambda: warm RequestResponse Invoke of a no-op Python handler (p50/p99, invokes/s, server "
                   "overhead and CPU per invoke), cold start (create, first invoke, Init Duration), SQS -> event "
                   "source mapping (BatchSize 10) -> no-op handler in messages/s")
    service = "lambda"
    defaults = {"tail_invokes": 200, "cold_functions": 10, "messages": 10_000, "batch": 10, "runtime": "python3.12",
                "active_timeout": 60.0, "idle_sample": 2.0, "esm_timeout": 300.0, "esm_idle": 20.0, "phases": "warm,cold,sqs"}
    extra_columns = ("overhead p50 ms", "CPU us/inv", "cold p50 ms", "init p50 ms", "sqs msg/s", "sqs lost",
                     "sqs CPU us/msg")

    def run(self, ctx: RunContext) -> Result:
        params = dict(self.params)
        phases = [p.strip() for p in str(params["phases"]).split(",") if p.strip()]
        unknown = set(phases) - {"warm", "cold", "sqs"}
        if unknown:
            raise ValueError(f"unknown phases {sorted(unknown)}")
        lam = make_client("lambda", ctx.endpoint, timeout=60)
        notes: list[str] = []
        params["_role"] = _execution_role(ctx.endpoint, notes)
        extra: dict[str, Any] = {}
        stats: LoadStats | None = None
        scratch = tempfile.mkdtemp(prefix="eventyard-bench-fn-")  # the function processes write here
        try:
            try:
                runs = self._first_invoke(ctx, lam, params, notes)
            except NotServed as exc:
                result = Result(ctx.system, extra={"sqs msg/s": "not served"})
                result.details = [*notes, f"Lambda not served: {exc}"]
                return result
            params["_idle"] = idle_rate(ctx.server_pid, float(params["idle_sample"]))
            notes.append(f"server's own CPU while idle (after the first invoke, {params['idle_sample']:g}s): "
                         f"{100 * params['_idle']:.1f}% of a core, taken off the CPU figures below")
            if runs and "warm" in phases:
                stats = self._warm(ctx, params, extra, notes)
            if runs and "cold" in phases:
                self._cold(ctx, lam, params, extra, notes)
            if "sqs" in phases:
                self._sqs(ctx, lam, params, extra, notes, scratch, runs)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        result = Result(ctx.system, extra=extra) if stats is None else Result.from_stats(ctx.system, stats, extra=extra)
        result.details[:0] = notes
        return result

    # -- set-up helpers -------------------------------------------------------------
    def _create(self, lam: Any, name: str, source: str, params: dict[str, Any],
                environment: dict[str, str] | None = None) -> None:
        lam.create_function(FunctionName=name, Runtime=params["runtime"], Role=params["_role"], Handler=HANDLER,
                            Code={"ZipFile": code_zip(source)}, Timeout=30, MemorySize=128,
                            **({"Environment": {"Variables": environment}} if environment else {}))

    @staticmethod
    def _wait_active(lam: Any, name: str, timeout: float, interval: float = 0.02) -> str:
        """Poll until the function is Active (its update settled); returns the last state."""
        deadline = time.perf_counter() + timeout
        while True:
            config = lam.get_function_configuration(FunctionName=name)
            state = config.get("State") or "Active"  # a system without states: ready at once
            if state == "Active" and config.get("LastUpdateStatus", "Successful") != "InProgress":
                return state
            if state == "Failed" or time.perf_counter() > deadline:
                return f"{state} ({config.get('StateReasonCode', '')}: {config.get('StateReason', '')})"
            time.sleep(interval)

    def _first_invoke(self, ctx: RunContext, lam: Any, params: dict[str, Any], notes: list[str]) -> bool:
        """Create the no-op function and invoke it once: can this system run functions?"""
        try:
            self._create(lam, "bench-noop", NOOP_SOURCE, params)
        except Exception as exc:  # noqa: BLE001 - a system without Lambda is a row that says so
            raise NotServed(f"CreateFunction failed: {error_kind(exc)}: {str(exc)[:200]}") from exc
        state = self._wait_active(lam, "bench-noop", params["active_timeout"])
        client = InvokeClient(ctx.endpoint, mode=ctx.client_mode)
        t0 = time.perf_counter()
        try:
            body, tail = client.invoke("bench-noop", b'{"first": true}', tail=True)
        except Exception as exc:  # noqa: BLE001 - a system that runs no function is a note
            notes.append(f"functions do not run: the first Invoke failed ({error_kind(exc)}: {str(exc)[:200]}); "
                         f"state after CreateFunction: {state}")
            if ctx.system == "moto":
                notes.append(MOTO_NO_DOCKER)
            return False
        finally:
            client.close()
        duration, init = report_durations(tail)
        notes.append(f"first invoke of bench-noop: {1000 * (time.perf_counter() - t0):.1f} ms, answer {body[:60]!r}"
                     + (f", Init Duration {init:.1f} ms" if init is not None else "")
                     + ("" if duration is not None else "; no REPORT line in LogResult"))
        return True

    # -- phases -----------------------------------------------------------------------
    def _warm(self, ctx: RunContext, params: dict[str, Any], extra: dict[str, Any], notes: list[str]) -> LoadStats:
        load = os.getloadavg()[0]
        log(f"[{ctx.system}] warm: {params['tail_invokes']} sequential invokes with LogType Tail (load {load:.2f})")
        client = InvokeClient(ctx.endpoint, mode=ctx.client_mode)
        latencies: list[float] = []
        overheads: list[float] = []
        durations: list[float] = []
        failures: dict[str, int] = {}
        cpu = _Cpu(ctx.server_pid, params["_idle"])
        try:
            for i in range(int(params["tail_invokes"])):
                t0 = time.perf_counter()
                try:
                    _, tail = client.invoke("bench-noop", b'{"seq": %d}' % i, tail=True)
                except Exception as exc:  # noqa: BLE001
                    failures[error_kind(exc)] = failures.get(error_kind(exc), 0) + 1
                    continue
                ms = 1000 * (time.perf_counter() - t0)
                latencies.append(ms)
                duration, _ = report_durations(tail)
                if duration is not None:
                    durations.append(duration)
                    overheads.append(ms - duration)
        finally:
            client.close()
        if overheads:
            extra["overhead p50 ms"] = percentile(sorted(overheads), 50)
        notes.append(f"[warm] sequential with LogType Tail: latency {_spread(latencies)}; handler Duration "
                     f"{_spread(durations)}; latency - Duration {_spread(overheads)}; {cpu.per(len(latencies))[1]} "
                     f"per invoke; load {load:.2f} at the start"
                     + (f"; errors {failures}" if failures else "")
                     + ("" if durations or not latencies else "; no REPORT line in LogResult: overhead not measured"))

        load = os.getloadavg()[0]
        log(f"[{ctx.system}] warm: {ctx.threads} callers for {ctx.duration:g}s (load {load:.2f})")
        clients = [InvokeClient(ctx.endpoint, mode=ctx.client_mode) for _ in range(ctx.threads)]
        states = [{"payload": b'{"caller": %d, "n": 1}' % i, "expected": {"caller": i, "n": 1}}
                  for i in range(ctx.threads)]
        cpu = _Cpu(ctx.server_pid, params["_idle"])
        try:
            stats = run_load(clients, _invoke_op, states, duration=ctx.duration, warmup=ctx.warmup,
                             total_ops=ctx.total_ops, stop=ctx.stop)
        finally:
            for c in clients:
                c.close()
        calls = stats.ops + stats.errors + stats.warmup_ops + stats.warmup_errors
        extra["CPU us/inv"], text = cpu.per(calls)
        notes.append(f"[warm] {ctx.threads} concurrent callers: {text} per invoke over {calls:,} invokes "
                     f"(warm-up included); load {load:.2f} at the start")
        return stats

    def _cold(self, ctx: RunContext, lam: Any, params: dict[str, Any], extra: dict[str, Any],
              notes: list[str]) -> None:
        count = int(params["cold_functions"])
        load = os.getloadavg()[0]
        log(f"[{ctx.system}] cold: {count} functions created and invoked once (load {load:.2f})")
        to_active: list[float] = []
        first: list[float] = []
        total: list[float] = []
        inits: list[float] = []
        failures: list[str] = []
        client = InvokeClient(ctx.endpoint, mode=ctx.client_mode)
        try:
            for i in range(count):
                name = f"bench-cold-{i}"
                t0 = time.perf_counter()
                try:
                    self._create(lam, name, NOOP_SOURCE, params)
                    state = self._wait_active(lam, name, params["active_timeout"])
                    t1 = time.perf_counter()
                    if state != "Active":
                        failures.append(f"{name}: {state}")
                        continue
                    _, tail = client.invoke(name, b'{"cold": %d}' % i, tail=True)
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"{name}: {error_kind(exc)}: {str(exc)[:150]}")
                    continue
                t2 = time.perf_counter()
                to_active.append(1000 * (t1 - t0))
                first.append(1000 * (t2 - t1))
                total.append(1000 * (t2 - t0))
                _, init = report_durations(tail)
                if init is not None:
                    inits.append(init)
        finally:
            client.close()
        if first:
            extra["cold p50 ms"] = percentile(sorted(first), 50)
        if inits:
            extra["init p50 ms"] = percentile(sorted(inits), 50)
        notes.append(f"[cold] first invoke {_spread(first)}; Init Duration "
                     f"{_spread(inits) if inits else 'not reported'}; CreateFunction to Active {_spread(to_active)}; "
                     f"CreateFunction to first answer {_spread(total)}; load {load:.2f} at the start")
        if failures:
            notes.append(f"[cold] {len(failures)} failed: {'; '.join(failures[:3])}")

    def _sqs(self, ctx: RunContext, lam: Any, params: dict[str, Any], extra: dict[str, Any], notes: list[str],
             scratch: str, runs: bool) -> None:
        messages = int(params["messages"]) if runs else min(10, int(params["messages"]))
        sqs = make_client("sqs", ctx.endpoint)
        url = sqs.create_queue(QueueName="bench-fn-esm", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        load = os.getloadavg()[0]
        log(f"[{ctx.system}] sqs: filling the queue with {messages:,} messages (load {load:.2f})")
        t0 = time.perf_counter()
        sent = _fill(ctx.endpoint, url, messages, mode=ctx.client_mode)
        notes.append(f"[sqs] queue filled with {sent:,} messages in {time.perf_counter() - t0:.1f}s "
                     "(SendMessageBatch of 10, 4 threads, untimed)")
        out = os.path.join(scratch, "handled")
        self._create(lam, "bench-esm", COUNTING_SOURCE, params, {"BENCH_OUT": out})
        self._wait_active(lam, "bench-esm", params["active_timeout"])
        if runs:  # one worker started before the clock does
            warm = InvokeClient(ctx.endpoint, mode=ctx.client_mode)
            try:
                warm.invoke("bench-esm", b'{"Records": []}')
            except Exception as exc:  # noqa: BLE001
                notes.append(f"[sqs] warming bench-esm failed: {error_kind(exc)}: {str(exc)[:150]}")
            finally:
                warm.close()
        load = os.getloadavg()[0]
        log(f"[{ctx.system}] sqs: CreateEventSourceMapping BatchSize {params['batch']} (load {load:.2f})")
        cpu = _Cpu(ctx.server_pid, params["_idle"])
        t0 = time.perf_counter()
        try:
            mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-esm",
                                                      BatchSize=int(params["batch"]))
        except Exception as exc:  # noqa: BLE001 - a system without mappings says so in its row
            extra["sqs msg/s"] = "not served"
            notes.append(f"[sqs] CreateEventSourceMapping refused: {error_kind(exc)}: {str(exc)[:200]}")
            return
        deadline, idle = t0 + params["esm_timeout"], params["esm_idle"]
        last_change, last_seen = t0, (-1, -1, -1)
        ended = "timed out"
        visible = invisible = -1
        handled = _Handled(out)
        first_seen: float | None = None  # when the handler's first batch was seen
        while True:
            now = time.perf_counter()
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            visible = int(attributes.get("ApproximateNumberOfMessages", -1))
            invisible = int(attributes.get("ApproximateNumberOfMessagesNotVisible", -1))
            handled.update()
            if first_seen is None and handled.lines:
                first_seen = now
            if visible == 0 and invisible == 0 and len(handled.ids) >= sent:
                ended = "drained"
                break
            seen = (visible, invisible, handled.lines)
            if seen != last_seen:
                last_seen, last_change = seen, now
            elif now - last_change > idle:
                ended = f"nothing moved for {idle:g}s"
                break
            if now > deadline:
                break
            time.sleep(0.05)
        seconds = now - t0
        count = len(handled.ids)
        extra["sqs CPU us/msg"], per_message = cpu.per(count)
        if count:
            extra["sqs msg/s"] = count / seconds
        if runs:  # where no function runs, the messages left on the queue say nothing about the mapping
            extra["sqs lost"] = sent - count
        notes.append(f"[sqs] {ended} after {seconds:.2f}s: handler saw {count:,} of {sent:,} messages "
                     f"({handled.lines - count:,} duplicates), queue visible {visible}, in flight {invisible}; "
                     f"mapping state {mapping.get('State', '?')} at creation; "
                     + (f"first batch seen after {first_seen - t0:.2f}s, {count / (now - first_seen):,.0f} msg/s "
                        "from then on; " if first_seen is not None and now > first_seen else "")
                     + f"{per_message} per message; "
                     f"load {load:.2f} at the start")
        if not runs and ctx.system == "moto":
            notes.append("[sqs] moto accepts the mapping, but runs a mapped function only inside SendMessage "
                         "(synchronously, for the message just sent), never for messages already queued; and "
                         "that function would need Docker")
        try:
            lam.delete_event_source_mapping(UUID=mapping["UUID"])
        except Exception as exc:  # noqa: BLE001
            notes.append(f"[sqs] DeleteEventSourceMapping failed: {error_kind(exc)}")


def _execution_role(endpoint: str, notes: list[str]) -> str:
    """The functions' execution role, created in IAM: moto, like AWS, refuses a role that does
    not exist ("The role defined for the function cannot be assumed by Lambda")."""
    arn = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
    try:
        return str(make_client("iam", endpoint).create_role(
            RoleName=ROLE_NAME, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"])
    except Exception as exc:  # noqa: BLE001 - a system without IAM takes any role ARN
        notes.append(f"CreateRole failed ({error_kind(exc)}), functions use {arn}")
        return arn


def _invoke_op(client: InvokeClient, state: dict[str, Any]) -> str:
    body, _ = client.invoke("bench-noop", state["payload"])
    if json.loads(body) != state["expected"]:
        raise InvokeError("WrongAnswer", body[:120].decode(errors="replace"))
    return "Invoke"


def _fill(endpoint: str, url: str, messages: int, threads: int = 4, mode: str = "cheap") -> int:
    """Send ``messages`` small messages with SendMessageBatch from ``threads`` threads; returns how
    many the queue accepted."""
    body = json.dumps({"order": "x" * 64})
    batches = [min(10, messages - start) for start in range(0, messages, 10)]
    lock = threading.Lock()
    accepted = [0]

    def send(share: list[int]) -> None:
        client = load_client("sqs", endpoint, mode, timeout=60)
        for size in share:
            answer = client.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "MessageBody": body} for i in range(size)])
            with lock:
                accepted[0] += len(answer.get("Successful", []))

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(send, batches[i::threads]) for i in range(threads)]:
            future.result()
    return accepted[0]


class _Handled:
    """The message ids the handler wrote (one file per worker process), read as they grow:
    only what was appended since the last look is read."""

    def __init__(self, prefix: str) -> None:
        self.folder, self.stem = os.path.split(prefix)
        self.offsets: dict[str, int] = {}
        self.ids: set[str] = set()
        self.lines = 0

    def update(self) -> None:
        for entry in os.listdir(self.folder):
            if not entry.startswith(self.stem + "."):
                continue
            with open(os.path.join(self.folder, entry), "rb") as f:
                f.seek(self.offsets.get(entry, 0))
                chunk = f.read()
            complete = chunk[:chunk.rfind(b"\n") + 1]  # a line being written is read next time
            self.offsets[entry] = self.offsets.get(entry, 0) + len(complete)
            for line in complete.decode().splitlines():
                self.ids.add(line)
                self.lines += 1
