"""Side-by-side benchmark harness: servers, load runner, results table.

Three parts, used by ``benchmarks.run`` and by the workloads:

* **Servers** — :class:`Server` and one subclass per system (eventyard, moto,
  ministack). Each one is started on a free port on 127.0.0.1 in its own process
  group, polled until it answers HTTP, checked with ``ss -ltnp`` to listen on
  loopback only, and stopped by the PID we started (SIGTERM, then SIGKILL).
  The peers live in their own venv (``benchmarks/.peers-venv``), created on
  demand by :func:`ensure_peers_venv`; they are never eventyard dependencies.
* **Load runner** — :func:`run_load`: N threads, each with its own boto3
  client, call a workload's ``op`` for a duration (or an op count) after a
  warm-up; every call is timed with ``time.perf_counter``.
* **Table** — :class:`Result` and :func:`format_table`: one row per system,
  the standard columns plus any extra columns a workload reports.
"""

from __future__ import annotations

import atexit
import gc
import http.client
import ipaddress
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PEERS_VENV = BENCH_DIR / ".peers-venv"
PEER_PACKAGES = ("moto[server]", "ministack")
EVENTYARD_BIN = REPO_DIR / ".venv" / "bin" / "eventyard"
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the table."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- #
# Peers venv
# --------------------------------------------------------------------------- #


class PeersInstallError(RuntimeError):
    pass


def peer_bin(name: str, venv: Path = PEERS_VENV) -> Path:
    return venv / "bin" / name


def ensure_peers_venv(venv: Path = PEERS_VENV) -> Path:
    """Create the peers venv and install moto[server] + ministack if missing.

    A separate venv keeps the peers (and their large dependency trees) out of
    eventyard's own environment.
    """
    wanted = [peer_bin("moto_server", venv), peer_bin("ministack", venv)]
    if all(p.exists() for p in wanted):
        return venv
    python3 = shutil.which("python3") or sys.executable
    if not peer_bin("python", venv).exists():
        log(f"[peers] creating venv {venv}")
        _checked([python3, "-m", "venv", str(venv)], "python3 -m venv")
    log(f"[peers] pip install {' '.join(PEER_PACKAGES)} (one-off, takes a minute)")
    _checked(
        [str(peer_bin("python", venv)), "-m", "pip", "install",
         "--disable-pip-version-check", "--quiet", *PEER_PACKAGES],
        "pip install",
    )
    missing = [str(p) for p in wanted if not p.exists()]
    if missing:
        raise PeersInstallError(f"installed, but still missing: {', '.join(missing)}")
    return venv


def _checked(cmd: Sequence[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise PeersInstallError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def package_versions(python: Path, packages: Sequence[str]) -> dict[str, str]:
    """Versions of ``packages`` as seen by the interpreter ``python``."""
    code = (
        "import sys, importlib.metadata as m\n"
        "for p in sys.argv[1:]:\n"
        "    try: print(p, m.version(p))\n"
        "    except Exception: print(p, '?')\n"
    )
    try:
        out = subprocess.run([str(python), "-c", code, *packages], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


# --------------------------------------------------------------------------- #
# Servers
# --------------------------------------------------------------------------- #


class ServerError(RuntimeError):
    """A server did not start, did not get ready, or bound where it must not."""

    def __init__(self, message: str, log_tail: str = "", exited: bool = False) -> None:
        super().__init__(message)
        self.log_tail = log_tail
        self.exited = exited


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


_LIVE: set[Server] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()


class Server:
    """One system under test, run as a child process on 127.0.0.1:<free port>.

    Subclasses give the command, environment and readiness probe. The child
    starts a new session, so the terminal's Ctrl-C reaches only the harness,
    which then stops the child itself; its process group id is its PID, which
    is how any helper processes it forks get stopped with it.
    """

    name: ClassVar[str]
    ready_path: ClassVar[str] = "/"
    ready_timeout: ClassVar[float] = 30.0
    stop_timeout: ClassVar[float] = 10.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{self.name}.log"
        self.started_at = 0.0

    # -- per-system ---------------------------------------------------------
    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def environment(self, port: int) -> dict[str, str]:
        env = dict(os.environ)
        env["TMPDIR"] = str(self.workdir)  # pid/log/scratch files stay in our workdir
        return env

    def is_ready(self, status: int) -> bool:
        """Any HTTP answer means the server is serving."""
        return True

    def check_installed(self) -> None:
        exe = Path(self.command(0)[0])
        if not exe.exists():
            raise ServerError(f"{exe} not found")

    # -- lifecycle ----------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.check_installed()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = self.command(self.port)
        with open(self.log_path, "ab") as out:
            out.write(("$ " + " ".join(cmd) + "\n").encode())
            out.flush()
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.workdir, env=self.environment(self.port), start_new_session=True,
            )
        self.started_at = time.perf_counter()
        _LIVE.add(self)

    def wait_ready(self) -> float:
        """Poll until an HTTP request is answered; return seconds since start."""
        assert self.proc is not None and self.port is not None
        deadline = self.started_at + self.ready_timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerError(f"exited with code {rc} before getting ready", self.log_tail(),
                                  exited=True)
            status = _http_status(LOOPBACK, self.port, self.ready_path)
            if status is not None and self.is_ready(status):
                return time.perf_counter() - self.started_at
            if time.perf_counter() > deadline:
                raise ServerError(f"not ready after {self.ready_timeout:.0f}s", self.log_tail())
            time.sleep(0.1)

    def launch(self, attempts: int = 2) -> float:
        """start() + wait_ready(), once more on a new port if the process died
        early (another process may have taken the free port in between)."""
        for attempt in range(1, attempts + 1):
            self.start()
            try:
                return self.wait_ready()
            except ServerError as exc:
                self.stop()
                if not exc.exited or attempt == attempts:
                    raise
                log(f"[{self.name}] exited early, retrying on a new port")
        raise AssertionError("unreachable")

    def check_loopback_only(self) -> list[str]:
        """Every socket our process group listens on must be loopback.

        Returns the listening addresses (for the log); raises ServerError on
        anything else (0.0.0.0, ::, a public address).
        """
        assert self.proc is not None
        listeners = listening_addresses(self.proc.pid)
        if listeners is None:
            return ["(ss unavailable: binding not verified)"]
        bad = [addr for addr in listeners if not _is_loopback(addr)]
        if bad:
            raise ServerError(f"listens on non-loopback {', '.join(bad)}", self.log_tail())
        return listeners

    def stop(self) -> None:
        """SIGTERM the process group we started, SIGKILL it if it lingers."""
        proc = self.proc
        if proc is None:
            return
        _LIVE.discard(self)
        if proc.poll() is None:  # not reaped yet: proc.pid is still our group id
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=self.stop_timeout)
        # Helpers that outlived the leader still carry its pgid: stop them by pid.
        for pid in _group_members(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cpu_seconds(self) -> float:
        """CPU time used so far by our process group (user + system, incl. reaped children)."""
        if self.proc is None:
            return 0.0
        ticks = 0
        for pid in [self.proc.pid, *_group_members(self.proc.pid)]:
            fields = _stat_fields(pid)
            if fields and int(fields[2]) == self.proc.pid:
                ticks += sum(int(f) for f in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


class EventyardServer(Server):
    name = "eventyard"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.workdir / 'yard.db'}"  # absolute path -> sqlite:////...

    def command(self, port: int) -> list[str]:
        return [str(EVENTYARD_BIN), "serve", "--host", LOOPBACK, "--port", str(port),
                "--store", self.store_url, "--log-level", "warning"]


class MotoServer(Server):
    name = "moto"
    ready_path = "/moto-api/"

    def command(self, port: int) -> list[str]:
        return [str(peer_bin("moto_server")), "-H", LOOPBACK, "-p", str(port)]


class MinistackServer(Server):
    """ministack's console script runs hypercorn in the foreground.

    It takes no CLI flags for address or port, only environment variables.
    """

    name = "ministack"
    ready_path = "/_ministack/ready"
    ready_timeout = 60.0

    def command(self, port: int) -> list[str]:
        return [str(peer_bin("ministack"))]

    def environment(self, port: int) -> dict[str, str]:
        env = super().environment(port)
        env.update(
            GATEWAY_PORT=str(port),
            BIND_HOST=LOOPBACK,      # default is 0.0.0.0
            # The IoT mTLS listener binds 0.0.0.0:8883 whatever BIND_HOST says,
            # and the SFTP one would open another port: neither is wanted here.
            IOT_MTLS_ENABLED="0",
            SFTP_ENABLED="0",
            PERSIST_STATE="0",
            LOG_LEVEL="WARNING",
            # Never talk to a Docker daemon (ministack reaps containers it
            # believes are its own at boot).
            DOCKER_HOST="unix:///nonexistent/docker.sock",
        )
        return env

    def is_ready(self, status: int) -> bool:
        return status == 200


SERVERS: dict[str, type[Server]] = {
    cls.name: cls for cls in (EventyardServer, MotoServer, MinistackServer)
}
PEERS = ("moto", "ministack")


def _http_status(host: str, port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on: index i is field i + 3."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) may contain spaces and ')': split after the last one
    return stat.rsplit(")", 1)[1].split()


def _pgid_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[2]) if fields else None


def _group_members(pgid: int) -> list[int]:
    """Live processes (zombies excluded) in group ``pgid``, other than its leader."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != pgid:
            fields = _stat_fields(int(entry))
            if fields and fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def listening_addresses(pgid: int) -> list[str] | None:
    """Local addresses of TCP listeners owned by processes in group ``pgid``."""
    if shutil.which("ss") is None:
        return None
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if any(p == pgid or _pgid_of(p) == pgid for p in pids):
            found.append(parts[3])
    return found


def _is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # "*" and friends: every interface
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


# --------------------------------------------------------------------------- #
# Clients
# --------------------------------------------------------------------------- #


def make_client(service: str, endpoint: str, *, timeout: float = 10.0) -> Any:
    """A boto3 client with its own session (sessions are not thread-safe).

    One attempt per call (no retries), so errors are counted rather than
    hidden behind retry back-off.
    """
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION,
    )
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=timeout, read_timeout=timeout, max_pool_connections=4,
    )
    return session.client(service, endpoint_url=endpoint, config=config)


def error_kind(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


# --------------------------------------------------------------------------- #
# Load runner
# --------------------------------------------------------------------------- #


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class LoadStats:
    """What the measured window (after warm-up) saw. Latencies in seconds;
    the window is in ``time.perf_counter`` time (CLOCK_MONOTONIC on Linux, so
    comparable across the processes of one machine)."""

    threads: int
    window_start: float = 0.0
    window_end: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    error_samples: dict[str, str] = field(default_factory=dict)
    warmup_ops: int = 0
    warmup_errors: int = 0

    def __post_init__(self) -> None:
        self._sorted: list[float] | None = None

    @property
    def elapsed(self) -> float:
        return max(0.0, self.window_end - self.window_start)

    @classmethod
    def combine(cls, parts: Sequence[LoadStats]) -> LoadStats:
        """One LoadStats for several concurrent runs (threads or processes)."""
        total = cls(threads=sum(p.threads for p in parts))
        if parts:
            total.window_start = min(p.window_start for p in parts)
            total.window_end = max(p.window_end for p in parts)
        for part in parts:
            total.latencies.extend(part.latencies)
            for label, values in part.by_label.items():
                total.by_label.setdefault(label, []).extend(values)
            total.errors += part.errors
            total.error_kinds.update(part.error_kinds)
            for kind, sample in part.error_samples.items():
                total.error_samples.setdefault(kind, sample)
            total.warmup_ops += part.warmup_ops
            total.warmup_errors += part.warmup_errors
        return total

    @property
    def ops(self) -> int:
        return len(self.latencies)

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, q: float, label: str | None = None) -> float | None:
        if label is None:
            if self._sorted is None:
                self._sorted = sorted(self.latencies)
            values = self._sorted
        else:
            values = sorted(self.by_label.get(label, ()))
        p = percentile(values, q)
        return None if p is None else p * 1000.0


Op = Callable[[Any, Any], "str | None"]


def run_load(
    clients: Sequence[Any],
    op: Op,
    states: Sequence[Any],
    *,
    duration: float,
    warmup: float = 1.0,
    total_ops: int | None = None,
    stop: threading.Event | None = None,
) -> LoadStats:
    """Run ``op(client, state)`` in one thread per client and time every call.

    Calls started during the first ``warmup`` seconds are not recorded. Then
    the threads go on for ``duration`` seconds, or, with ``total_ops``, until
    that many calls (shared among threads) have been made. ``op`` may return a
    label (e.g. the API operation) for per-label latencies. Any exception is
    counted as an error and the thread carries on. Only successful calls count
    towards ops/s and latencies.
    """
    if len(clients) != len(states):
        raise ValueError("one state per client")
    stop = stop or threading.Event()
    records = [LoadStats(threads=1) for _ in clients]
    go = threading.Event()
    tickets = _Tickets(total_ops)
    times: dict[str, float] = {}

    def worker(client: Any, state: Any, rec: LoadStats) -> None:
        go.wait()
        warm_end, deadline = times["warm_end"], times["deadline"]
        perf = time.perf_counter
        while not stop.is_set():
            t0 = perf()
            if t0 >= deadline:
                break
            measured = t0 >= warm_end
            if measured and not tickets.take():
                break
            try:
                label = op(client, state)
                failure = None
            except Exception as exc:  # noqa: BLE001 - every failure is a data point
                label, failure = None, exc
            t1 = perf()
            if not measured:
                rec.warmup_ops += 1
                rec.warmup_errors += failure is not None
                continue
            rec.window_end = t1
            if failure is None:
                dt = t1 - t0
                rec.latencies.append(dt)
                if label:
                    rec.by_label.setdefault(label, []).append(dt)
            else:
                kind = error_kind(failure)
                rec.errors += 1
                rec.error_kinds[kind] += 1
                rec.error_samples.setdefault(kind, str(failure)[:300])

    threads = [
        threading.Thread(target=worker, args=(c, s, r), name=f"bench-{i}", daemon=True)
        for i, (c, s, r) in enumerate(zip(clients, states, records, strict=True))
    ]
    for t in threads:
        t.start()
    start = time.perf_counter()
    times["warm_end"] = start + warmup
    times["deadline"] = math.inf if total_ops is not None else start + warmup + duration
    go.set()
    try:
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.2)
    finally:
        stop.set()  # on Ctrl-C: let the threads wind down after their current call

    for rec in records:
        rec.window_start = times["warm_end"]
        rec.window_end = max(rec.window_end, rec.window_start)
    return LoadStats.combine(records)


def start_forked(procs: Sequence[Any]) -> None:
    """Start forked client processes with the parent's heap frozen.

    A forked child inherits every object of the benchmark process (its results so far,
    boto3's models). Its first full garbage collection walks all of them, touching each
    page (copy-on-write): a 50-140 ms pause measured in the client processes, which
    showed up as the worst send-to-receive latencies. Frozen objects are never
    collected in the child; the parent unfreezes its own right after.
    """
    gc.freeze()
    try:
        for proc in procs:
            proc.start()
    finally:
        gc.unfreeze()


def run_load_in_processes(
    procs: int,
    prepare: Callable[[int], tuple[Sequence[Any], Sequence[Any]]],
    op: Op,
    *,
    duration: float,
    warmup: float = 1.0,
    total_ops: int | None = None,
    ready_timeout: float = 120.0,
) -> LoadStats:
    """:func:`run_load` in ``procs`` forked client processes at once.

    One Python process tops out at about one core of boto3 work (the GIL);
    more processes let the client side keep up with a fast server.
    ``prepare(proc_index)`` runs in the child and returns its (clients, states).
    The children start their load together (a barrier after client creation);
    an op budget (``total_ops``) is split among them.
    """
    import multiprocessing as mp

    ctx = mp.get_context("fork")  # children inherit the workload and its state
    results = ctx.Queue()
    barrier = ctx.Barrier(procs)
    budgets = [None] * procs if total_ops is None else [
        total_ops // procs + (i < total_ops % procs) for i in range(procs)]

    def child(index: int) -> None:
        # The parent handles Ctrl-C and stops its children; a child just dies.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        try:
            clients, states = prepare(index)
            barrier.wait(timeout=ready_timeout)
            stats = run_load(clients, op, states, duration=duration, warmup=warmup,
                             total_ops=budgets[index])
            results.put((index, stats, None))
        except BaseException as exc:  # report, never hang the parent
            results.put((index, None, f"{type(exc).__name__}: {exc}"))

    children = [ctx.Process(target=child, args=(i,), name=f"bench-client-{i}", daemon=True)
                for i in range(procs)]
    start_forked(children)
    parts, failures = [], []
    try:
        deadline = time.monotonic() + ready_timeout + warmup + (
            duration if total_ops is None else 24 * 3600)
        for _ in children:
            _, stats, failure = results.get(timeout=max(1.0, deadline - time.monotonic()))
            if failure:
                failures.append(failure)
            else:
                parts.append(stats)
    finally:
        for c in children:  # our own children, by their pids
            c.join(timeout=0 if failures or len(parts) < procs else 10)
            if c.is_alive():
                c.terminate()
                c.join(timeout=5)
    if failures:
        raise RuntimeError(f"client process failed: {failures[0]}")
    return LoadStats.combine(parts)


class _Tickets:
    """A shared op budget; unlimited when ``total`` is None."""

    def __init__(self, total: int | None) -> None:
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


# --------------------------------------------------------------------------- #
# Results table
# --------------------------------------------------------------------------- #


@dataclass
class Result:
    """One row of the table. ``extra`` holds a workload's own columns;
    ``note`` is a short remark shown in the row, ``details`` go below the table."""

    system: str
    ops_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    details: list[str] = field(default_factory=list)

    @classmethod
    def from_stats(cls, system: str, stats: LoadStats, **kwargs: Any) -> Result:
        result = cls(system, ops_per_s=stats.ops_per_s, p50_ms=stats.percentile_ms(50),
                     p99_ms=stats.percentile_ms(99), errors=stats.errors, **kwargs)
        if stats.error_kinds:
            kinds = ", ".join(f"{k} x{n}" for k, n in stats.error_kinds.most_common())
            result.details.append(f"errors: {kinds}")
            for kind, sample in stats.error_samples.items():
                result.details.append(f"  {kind}: {sample}")
        if stats.warmup_errors:
            result.details.append(f"{stats.warmup_errors} error(s) during warm-up (not counted)")
        result.details.append(
            f"{stats.ops} ok calls in {stats.elapsed:.2f}s measured, "
            f"{stats.warmup_ops} warm-up calls, {stats.threads} threads"
        )
        return result


def combine_runs(runs: list[list[Result]], extra_columns: Sequence[str]) -> list[Result]:
    """One row per row name over repeated runs of one system: the median of every rate
    and time (floats), the sum of every count (ints: errors, lost, duplicates...), each
    run's row as a line below the table. A row missing from a run (a failed start) is
    combined from the runs that have it, and the missing runs are said."""
    names: list[str] = []
    for rows in runs:
        names += [r.system for r in rows if r.system not in names]
    combined = []
    for name in names:
        rows = [next((r for r in run if r.system == name), None) for run in runs]
        present = [r for r in rows if r is not None]
        merged = Result(f"{name} (x{len(present)})" if len(present) > 1 else name,
                        note="; ".join(sorted({r.note for r in present if r.note})))
        for attr in ("ops_per_s", "p50_ms", "p99_ms", "errors"):
            setattr(merged, attr, _combine([getattr(r, attr) for r in present]))
        for column in extra_columns:
            merged.extra[column] = _combine([r.extra.get(column) for r in present])
        for i, row in enumerate(rows, 1):
            if row is None:
                merged.details.append(f"run {i}: no such row")
                continue
            cells = [f"ops/s {_cell(row.ops_per_s)}", f"p50 {_cell(row.p50_ms)}", f"p99 {_cell(row.p99_ms)}",
                     *(f"{c} {_cell(row.extra.get(c))}" for c in extra_columns)]
            merged.details.append(f"run {i}: " + ", ".join(cells) + (f" [{row.note}]" if row.note else ""))
        merged.details += present[-1].details  # the last run's own notes (CPU, counts)
        combined.append(merged)
    return combined


def _combine(values: list[Any]) -> Any:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return next((v for v in values if v is not None), None)
    if all(isinstance(v, int) for v in numbers):
        return sum(numbers)
    return statistics.median(float(v) for v in numbers)


STANDARD_COLUMNS = ("system", "ops/s", "p50 ms", "p99 ms", "errors")
NOTE_WIDTH = 60


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(header: str, results: Sequence[Result], extra_columns: Sequence[str] = ()) -> str:
    """The header line, one row per system, then per-system details."""
    columns = list(STANDARD_COLUMNS) + list(extra_columns)
    show_note = any(r.note for r in results)
    if show_note:
        columns.append("note")
    rows = []
    for r in results:
        row = [r.system, _cell(r.ops_per_s), _cell(r.p50_ms), _cell(r.p99_ms), _cell(r.errors)]
        row += [_cell(r.extra.get(col)) for col in extra_columns]
        if show_note:
            note = r.note.splitlines()[0] if r.note else ""
            row.append(note if len(note) <= NOTE_WIDTH else note[: NOTE_WIDTH - 3] + "...")
        rows.append(row)
    widths = [max(len(col), *(len(row[i]) for row in rows)) if rows else len(col)
              for i, col in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            left = i == 0 or (show_note and i == len(columns) - 1)
            out.append(cell.ljust(width) if left else cell.rjust(width))
        return "  ".join(out).rstrip()

    lines = [header, line(columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    details = [(r.system, d) for r in results for d in r.details]
    details += [(r.system, r.note) for r in results if r.note and "\n" in r.note]
    if details:
        lines.append("")
        lines += [f"[{system}] {d}" for system, d in details]
    return "\n".join(lines)


def format_config(config: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in config.items())
