"""The load runner: :func:`run_load` runs N threads, each with its own boto3 client,
calling a workload's ``op`` for a duration (or an op count) after a warm-up; every call
is timed with ``time.perf_counter``. :func:`run_load_in_processes` does the same in
forked client processes."""

from __future__ import annotations

import gc
import math
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .clients import error_kind


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
