"""Function workers: one local process per execution environment, fed through the Lambda
Runtime API, implementing ``types.FunctionRunner``.

A worker runs one version of one function at one revision (``FunctionCode``): AWS's own
runtime interface client for Python (``python -m awslambdaric HANDLER``, on the server's
interpreter), or eventyard's small Runtime API client for Node.js (``node_runtime.mjs``:
AWS's npm client needs Node >= 22). Each worker has its own Runtime API endpoint
(``runtime_api.RuntimeApi``) and runs at most one invocation at a time.

- **Warm reuse.** Idle workers wait per ``(function_arn, version, revision)``; an invoke
  takes one or starts another (cold start: ``init_duration_ms`` is the time from spawn to
  the runtime's first ``/next``), so concurrent invokes get concurrent workers. The
  service enforces concurrency limits; the pool only scales. A new revision never gets
  an old worker: idle workers of other revisions are stopped when it first runs.
  ``retire()`` stops a function's workers (busy ones once their invocation ends); idle
  workers are stopped after ``idle_seconds``.
- **Failures, as Lambda reports them.** An invocation that outlives its timeout kills the
  worker (``Sandbox.Timedout``, "RequestId: ID Error: Task timed out after N.NN
  seconds"; the next invoke is cold). Init errors are what the runtime client posts to
  ``/init/error`` (``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``, ...). A
  worker that exits mid-invocation is ``Runtime.ExitError`` ("Runtime exited with error:
  exit status N" / "signal: killed" / "Runtime exited without providing a reason").
- **Memory.** ``MemorySize`` caps the worker's data segment (``RLIMIT_DATA``, which
  counts heap and private writable mappings, not reserved-but-unused address space, so
  the interpreter starts normally). Where Lambda's cgroup would kill the process, here
  the allocation fails: Python raises ``MemoryError``; the pool reports that as Lambda
  does, ``Runtime.OutOfMemory`` "RequestId: ID Error: Runtime exited with error: signal:
  killed", and kills the worker. A worker killed by a signal whose peak memory reached
  the limit is reported the same way. ``Max Memory Used`` is the process's peak resident
  set (``VmHWM``). (Node: V8's heap limit is sized from MemorySize as on Lambda; a heap
  that outgrows it aborts, "signal: aborted", ``Runtime.ExitError``, as there.)
- **/tmp.** Each worker gets its own directory under ``state_dir/tmp`` as ``TMPDIR``
  (removed with the worker), eventyard's stand-in for the environment's own ``/tmp``.
- **Logs.** Each invocation's stdout/stderr lines and framed runtime records come back in
  ``InvocationResult.log_lines`` between Lambda's ``START``/``END``/``REPORT`` lines
  (a cold start's init output first). The service writes them to CloudWatch Logs.

Workers are local processes of the server's user: not a sandbox for untrusted code.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import secrets
import shutil
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson

from eventyard.runtime.functions._environment import (
    launch,
    node_executable,
    node_major,
    runtime_family,
    unsupported_reason,
)
from eventyard.runtime.functions._logs import LogCapture, PlatformLines
from eventyard.runtime.functions.runtime_api import Delivery, RuntimeApi, RuntimeOutcome
from eventyard.runtime.functions.types import (
    FunctionCode,
    InvocationRequest,
    InvocationResult,
    LogLine,
    RuntimeNotSupported,
)

__all__ = ["INIT_TIMEOUT_SECONDS", "IDLE_SECONDS", "WorkerPool"]

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit on the init phase of an on-demand environment
IDLE_SECONDS = 600.0  # an idle worker lives this long (LocalStack's default keep-alive too)
_REAP_INTERVAL = 30.0
_OOM_PAYLOAD_TYPES = frozenset({"MemoryError"})  # what a handler raises when RLIMIT_DATA says no

_SIGNAL_NAMES = {  # as Go's os.ProcessState prints them, which is what Lambda's errors quote
    signal.SIGKILL: "killed", signal.SIGTERM: "terminated", signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted", signal.SIGBUS: "bus error", signal.SIGINT: "interrupt",
    signal.SIGHUP: "hangup", signal.SIGILL: "illegal instruction", signal.SIGFPE: "floating point exception",
    signal.SIGPIPE: "broken pipe", signal.SIGQUIT: "quit",
}

WorkerKey = tuple[str, str, str]


def _key(code: FunctionCode) -> WorkerKey:
    return (code.function_arn, code.version, code.revision)


def _trace_id() -> str:
    random = os.urandom(20).hex()  # one read for both ids: this runs every invoke
    return f"Root=1-{int(time.time()):08x}-{random[:24]};Parent={random[24:]};Sampled=0"


def _log_stream_name(version: str) -> str:
    """Lambda's stream per execution environment: ``YYYY/MM/DD/[VERSION]<32 hex>``."""
    return f"{datetime.now(timezone.utc):%Y/%m/%d}/[{version}]{secrets.token_hex(16)}"


def _error_payload(error_type: str, message: str) -> bytes:
    return orjson.dumps({"errorType": error_type, "errorMessage": message})


class _Exit:
    """How a worker process ended: its wait status and its peak resident set."""

    def __init__(self, status: int, max_rss_kb: int) -> None:
        self.status = status
        self.max_rss_kb = max_rss_kb

    def describe(self) -> str:
        """Lambda's wording: "Runtime exited with error: ..." or "without providing a reason"."""
        if os.WIFSIGNALED(self.status):
            number = os.WTERMSIG(self.status)
            try:
                name = _SIGNAL_NAMES.get(signal.Signals(number)) or (signal.strsignal(number) or str(number)).lower()
            except ValueError:
                name = str(number)
            return f"Runtime exited with error: signal: {name}"
        code = os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else self.status
        if code == 0:
            return "Runtime exited without providing a reason"
        return f"Runtime exited with error: exit status {code}"


class _Worker:
    """One execution environment: a process, its Runtime API and its log pipes."""

    def __init__(self, code: FunctionCode, api: RuntimeApi, process: subprocess.Popen[bytes], capture: LogCapture,
                 log_stream: str, started: float, tmp_dir: Path) -> None:
        self.code = code
        self.key = _key(code)
        self.api = api
        self.process = process
        self.capture = capture
        self.log_stream = log_stream
        self.started = started
        self.tmp_dir = tmp_dir
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.exited: asyncio.Future[_Exit] = loop.create_future()
        self.init_duration_ms: float | None = None  # reported by the first invocation only
        self.last_used = time.monotonic()
        self.retired = False
        self.stopped = False
        self._cleaned = False
        self._status_fd: int | None = None  # /proc/PID/status, for the peak resident set
        self._pidfd = os.pidfd_open(process.pid)
        loop.add_reader(self._pidfd, self._reap)

    @classmethod
    async def spawn(cls, code: FunctionCode, state_dir: Path, node: str | None, node_version: int) -> _Worker:
        api = RuntimeApi()
        address = await api.start()
        log_stream = _log_stream_name(code.version)
        output_read, output_write = os.pipe()
        telemetry_read, telemetry_write = os.pipe()
        tmp_dir = state_dir / "tmp" / log_stream.rsplit("]", 1)[1]
        try:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            spec = launch(code, runtime_api=address, log_stream=log_stream, telemetry_fd=telemetry_write,
                          node=node, node_version=node_version)
            spec.env["TMPDIR"] = str(tmp_dir)  # eventyard's stand-in for the environment's own /tmp
            if code.live_code:  # bytecode of a folder being edited: compiled afresh by each worker
                spec.env["PYTHONPYCACHEPREFIX"] = str(tmp_dir / "pycache")
            started = time.perf_counter()
            process = subprocess.Popen(spec.argv, cwd=spec.cwd, env=spec.env, stdin=subprocess.DEVNULL,
                                       stdout=output_write, stderr=output_write, pass_fds=(telemetry_write,),
                                       start_new_session=True)
        except BaseException:
            api.close()
            for fd in (output_read, output_write, telemetry_read, telemetry_write):
                os.close(fd)
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        os.close(output_write)
        os.close(telemetry_write)
        limit = code.memory_mb * 1024 * 1024
        with contextlib.suppress(OSError, ValueError):
            # Set right after the spawn: the interpreter is still starting, the handler not loaded.
            resource.prlimit(process.pid, resource.RLIMIT_DATA, (limit, limit))
        capture = LogCapture(asyncio.get_running_loop(), output_read, telemetry_read)
        return cls(code, api, process, capture, log_stream, started, tmp_dir)

    def _reap(self) -> None:
        try:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, usage = self.process.pid, 0, None
        if pid == 0:
            return
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self.process.returncode = os.waitstatus_to_exitcode(status) if usage is not None else 0
        if not self.exited.done():
            self.exited.set_result(_Exit(status, usage.ru_maxrss if usage is not None else 0))

    @property
    def alive(self) -> bool:
        return not self.exited.done() and not self.stopped

    def max_memory_mb(self) -> int:
        if self.exited.done():
            kb = self.exited.result().max_rss_kb
        else:
            kb = 0
            try:
                if self._status_fd is None:
                    self._status_fd = os.open(f"/proc/{self.process.pid}/status", os.O_RDONLY | os.O_CLOEXEC)
                status = os.pread(self._status_fd, 8192, 0)  # one open per worker: this runs every invoke
                at = status.find(b"VmHWM:")
                if at >= 0:
                    kb = int(status[at + 6:status.index(b"kB", at)])
            except (OSError, ValueError):
                pass
        return max(1, math.ceil(kb / 1024))

    def kill(self) -> None:
        """Stop the process (and anything it started) now; its pipes close with it."""
        if self.stopped:
            return
        self.stopped = True
        if not self.exited.done():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.api.close()
        self._loop.call_soon(self._cleanup)

    async def stop(self) -> None:
        """Kill the process and wait until it is gone (bounded: SIGKILL takes no time)."""
        self.kill()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self.exited), 10)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._cleaned:
            return
        if not self.exited.done():
            # Not reaped yet: close the pipes once it has been.
            self.exited.add_done_callback(lambda _: self._cleanup())
            return
        self._cleaned = True
        self.capture.close()
        if self._status_fd is not None:
            os.close(self._status_fd)
            self._status_fd = None
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


class WorkerPool:
    """``FunctionRunner`` over local worker processes (see the module docstring)."""

    def __init__(self, state_dir: Path, *, idle_seconds: float = IDLE_SECONDS,
                 init_timeout_seconds: float = INIT_TIMEOUT_SECONDS) -> None:
        self.state_dir = Path(state_dir)
        self.idle_seconds = idle_seconds
        self.init_timeout_seconds = init_timeout_seconds
        self._idle: dict[WorkerKey, list[_Worker]] = {}
        self._busy: set[_Worker] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._node: str | None = None
        self._node_version: int | None = None
        self._support: dict[str, str | None] = {}
        self._closed = False

    # -- FunctionRunner ---------------------------------------------------------------

    def supports(self, runtime: str) -> str | None:
        if runtime not in self._support:
            self._support[runtime] = unsupported_reason(runtime)  # once: it looks for node on PATH
        return self._support[runtime]

    async def invoke(self, code: FunctionCode, request: InvocationRequest) -> InvocationResult:
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        reason = self.supports(code.runtime)
        if reason is not None:
            raise RuntimeNotSupported(reason)
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap_idle())
        worker = self._take_idle(code)
        if worker is None:
            return await self._invoke_cold(code, request)
        return await self._run(worker, request, [])

    async def retire(self, function_arn: str) -> None:
        for key in [key for key in self._idle if key[0] == function_arn]:
            for worker in self._idle.pop(key):
                worker.kill()
        for worker in self._busy:
            if worker.code.function_arn == function_arn:
                worker.retired = True

    async def close(self) -> None:
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        workers = [worker for idle in self._idle.values() for worker in idle] + list(self._busy)
        self._idle.clear()
        for worker in workers:
            worker.retired = True
            worker.kill()
        for worker in workers:
            await worker.stop()

    # -- workers ----------------------------------------------------------------------

    def _take_idle(self, code: FunctionCode) -> _Worker | None:
        key = _key(code)
        idle = self._idle.get(key)
        while idle:
            worker = idle.pop()
            if worker.alive:
                return worker
            worker.kill()
        # A first invoke of this revision: other revisions' idle workers will never run again.
        for other in [k for k in self._idle if k[0] == key[0] and k[1] == key[1] and k != key]:
            for worker in self._idle.pop(other):
                worker.kill()
        return None

    def _release(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        if worker.retired or not worker.alive or self._closed:
            worker.kill()
            return
        worker.last_used = time.monotonic()
        self._idle.setdefault(worker.key, []).append(worker)

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(_REAP_INTERVAL, self.idle_seconds))
            cutoff = time.monotonic() - self.idle_seconds
            for key in list(self._idle):
                keep = []
                for worker in self._idle[key]:
                    if worker.last_used < cutoff or not worker.alive:
                        worker.kill()
                    else:
                        keep.append(worker)
                if keep:
                    self._idle[key] = keep
                else:
                    del self._idle[key]

    def _node_runtime(self) -> tuple[str | None, int]:
        if self._node is None:
            self._node = node_executable()
            self._node_version = node_major(self._node) if self._node else 0
        return self._node, self._node_version or 0

    async def _invoke_cold(self, code: FunctionCode, request: InvocationRequest) -> InvocationResult:
        node, node_version = self._node_runtime() if runtime_family(code.runtime) == "node" else (None, 0)
        try:
            worker = await _Worker.spawn(code, self.state_dir, node, node_version)
        except OSError as error:  # e.g. a hot-reload folder that is gone: the invoker gets an error, not a 500
            return _spawn_failed(code, request, error)
        self._busy.add(worker)
        try:
            waiters: set[asyncio.Future[object]] = {worker.api.ready, worker.api.init_error, worker.exited}  # type: ignore[arg-type]
            await asyncio.wait(waiters, timeout=self.init_timeout_seconds, return_when=asyncio.FIRST_COMPLETED)
            if worker.api.ready.done() and not worker.api.ready.cancelled():
                worker.init_duration_ms = (worker.api.ready.result() - worker.started) * 1000
                init_lines = worker.capture.take()
                return await self._run(worker, request, init_lines)
            return await self._init_failed(worker, request)
        finally:
            if worker in self._busy:
                self._release(worker)

    async def _init_failed(self, worker: _Worker, request: InvocationRequest) -> InvocationResult:
        """The runtime reported an init error, exited, or never got ready: answer as Lambda."""
        code = worker.code
        platform = PlatformLines(code.log_format)
        init_ms = (time.perf_counter() - worker.started) * 1000
        if worker.api.init_error.done() and not worker.api.init_error.cancelled():
            outcome: RuntimeOutcome = worker.api.init_error.result()
            # The client exits after posting; give it a moment so its last output is in the pipes.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(worker.exited), 2)
            payload = outcome.payload
            error_type = _document_type(payload) or outcome.error_type or "Runtime.Unknown"
            extra: list[LogLine] = []
        elif worker.exited.done():
            error_type = "Runtime.ExitError"
            message = f"RequestId: {request.request_id} Error: {worker.exited.result().describe()}"
            payload = _error_payload(error_type, message)
            extra = [platform.runtime_error(message, error_type)]
        else:
            error_type = "Sandbox.Timedout"
            message = (f"RequestId: {request.request_id} Error: Task timed out after "
                       f"{self.init_timeout_seconds:.2f} seconds")
            payload = _error_payload(error_type, message)
            extra = [platform.timed_out(request.request_id, self.init_timeout_seconds)]
        memory = worker.max_memory_mb()
        worker.retired = True
        await worker.stop()
        lines = worker.capture.take() + extra
        lines.append(platform.init_report(init_ms, error_type))
        lines.append(platform.start(request.request_id, code.version))
        lines.append(platform.end(request.request_id))
        lines.append(platform.report(request.request_id, 0.0, 0, code.memory_mb, memory, None,
                                     "error", error_type))
        return InvocationResult(payload=payload, function_error="Unhandled", duration_ms=0.0, billed_duration_ms=0,
                                max_memory_used_mb=memory, init_duration_ms=init_ms, log_stream=worker.log_stream,
                                log_lines=tuple(lines))

    async def _run(self, worker: _Worker, request: InvocationRequest, init_lines: list[LogLine]) -> InvocationResult:
        """One invocation on a ready worker."""
        self._busy.add(worker)
        try:
            return await self._run_on(worker, request, init_lines)
        finally:
            self._release(worker)

    async def _run_on(self, worker: _Worker, request: InvocationRequest,
                      init_lines: list[LogLine]) -> InvocationResult:
        code = worker.code
        platform = PlatformLines(code.log_format)
        init_ms, worker.init_duration_ms = worker.init_duration_ms, None
        lines = init_lines + worker.capture.take()  # anything printed between invocations comes first
        lines.append(platform.start(request.request_id, code.version))
        delivery = Delivery(request_id=request.request_id, payload=request.payload,
                            deadline_ms=time.time_ns() // 1_000_000 + code.timeout_s * 1000,
                            invoked_arn=request.invoked_arn or code.function_arn,
                            trace_id=request.trace_id or _trace_id(), client_context=request.client_context)
        outcome_future = worker.api.deliver(delivery)
        sent = time.perf_counter()
        try:
            await _first_of(outcome_future, worker.exited, code.timeout_s)
        except BaseException:
            worker.retired = True  # the invoker gave up (cancelled): the handler may still be running
            raise
        finally:
            worker.api.finish()
        status: str | None = None
        error_type: str | None = None
        if outcome_future.done() and not outcome_future.cancelled():
            outcome = outcome_future.result()
            duration_ms = (outcome.finished - (worker.api.delivered_at or sent)) * 1000
            lines += worker.capture.take()
            memory = worker.max_memory_mb()
            if outcome.error_type is None:
                payload, function_error = outcome.payload, None
            elif outcome.error_type == "RequestEntityTooLarge":
                error_type = "Function.ResponseSizeTooLarge"
                payload = _error_payload(error_type, "Response payload size exceeded maximum allowed payload size "
                                                     "(6291556 bytes).")
                function_error, status = "Unhandled", "error"
                worker.retired = True  # the runtime client fails on the 413 and exits
            elif _document_type(outcome.payload) in _OOM_PAYLOAD_TYPES:
                await worker.stop()
                payload, function_error, status, error_type = self._out_of_memory(worker, request, platform, lines)
            else:
                payload, function_error = outcome.payload, "Unhandled"
        elif worker.exited.done():
            duration_ms = (time.perf_counter() - (worker.api.delivered_at or sent)) * 1000
            exit_info = worker.exited.result()
            lines += worker.capture.take()
            memory = worker.max_memory_mb()
            if os.WIFSIGNALED(exit_info.status) and memory >= code.memory_mb * 0.95:
                payload, function_error, status, error_type = self._out_of_memory(worker, request, platform, lines)
            else:
                error_type = "Runtime.ExitError"
                message = f"RequestId: {request.request_id} Error: {exit_info.describe()}"
                payload, function_error, status = _error_payload(error_type, message), "Unhandled", "error"
                lines.append(platform.runtime_error(message, error_type))
        else:
            duration_ms = (time.perf_counter() - (worker.api.delivered_at or sent)) * 1000
            memory = worker.max_memory_mb()
            worker.retired = True
            await worker.stop()
            lines += worker.capture.take()
            error_type = "Sandbox.Timedout"
            payload = _error_payload(error_type, f"RequestId: {request.request_id} Error: Task timed out after "
                                                 f"{float(code.timeout_s):.2f} seconds")
            function_error, status = "Unhandled", "timeout"
            lines.append(platform.timed_out(request.request_id, float(code.timeout_s)))
            error_type = None  # Lambda's REPORT says "Status: timeout" with no error type
        billed_ms = max(1, math.ceil(duration_ms))
        lines.append(platform.end(request.request_id))
        lines.append(platform.report(request.request_id, duration_ms, billed_ms, code.memory_mb, memory, init_ms,
                                     status, error_type))
        return InvocationResult(payload=payload, function_error=function_error, duration_ms=duration_ms,
                                billed_duration_ms=billed_ms, max_memory_used_mb=memory, init_duration_ms=init_ms,
                                log_stream=worker.log_stream, log_lines=tuple(lines))

    @staticmethod
    def _out_of_memory(worker: _Worker, request: InvocationRequest, platform: PlatformLines,
                       lines: list[LogLine]) -> tuple[bytes, str, str, str]:
        worker.retired = True
        worker.kill()
        error_type = "Runtime.OutOfMemory"
        message = f"RequestId: {request.request_id} Error: Runtime exited with error: signal: killed"
        lines.append(platform.runtime_error(message, error_type))
        return _error_payload(error_type, message), "Unhandled", "error", error_type


async def _first_of(outcome: asyncio.Future[RuntimeOutcome], exited: asyncio.Future[_Exit], timeout: float) -> None:
    """Wait until the outcome arrives, the worker exits or ``timeout`` seconds pass: what
    ``asyncio.wait(..., FIRST_COMPLETED)`` does, without its per-call set-up (every invoke
    waits here)."""
    if outcome.done() or exited.done():
        return
    loop = asyncio.get_running_loop()
    woken: asyncio.Future[None] = loop.create_future()

    def wake(_: object = None) -> None:
        if not woken.done():
            woken.set_result(None)

    outcome.add_done_callback(wake)
    exited.add_done_callback(wake)
    timer = loop.call_later(timeout, wake)
    try:
        await woken
    finally:
        timer.cancel()
        outcome.remove_done_callback(wake)
        exited.remove_done_callback(wake)


def _spawn_failed(code: FunctionCode, request: InvocationRequest, error: OSError) -> InvocationResult:
    platform = PlatformLines(code.log_format)
    error_type = "Runtime.InvalidWorkingDirectory" if not code.code_dir.is_dir() else "Runtime.Unknown"
    detail = f"chdir {code.code_dir}: no such file or directory" if not code.code_dir.is_dir() else str(error)
    message = f"RequestId: {request.request_id} Error: {detail}"
    lines = [platform.runtime_error(message, error_type), platform.start(request.request_id, code.version),
             platform.end(request.request_id),
             platform.report(request.request_id, 0.0, 0, code.memory_mb, 0, None, "error", error_type)]
    return InvocationResult(payload=_error_payload(error_type, message), function_error="Unhandled", duration_ms=0.0,
                            billed_duration_ms=0, max_memory_used_mb=0, init_duration_ms=None,
                            log_stream=_log_stream_name(code.version),
                            log_lines=tuple(lines))


def _document_type(payload: bytes) -> str | None:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    value = document.get("errorType") if isinstance(document, dict) else None
    return value if isinstance(value, str) else None
