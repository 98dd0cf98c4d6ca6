"""Workloads: one module per workload, each registering a :class:`Workload`.

A simple workload sets ``name``, ``service`` and ``defaults`` and implements

* ``setup(clients) -> state``: create what the load needs (runs untimed, with
  the first client of the list that the load threads will use);
* ``op(client, state) -> label | None``: ONE timed call; the optional label
  (e.g. the API operation name) gives per-label latencies;
* optionally ``thread_state(state, index)`` for per-thread state (cursors,
  random generators) and ``report(state, stats)`` for extra table columns
  (named in ``extra_columns``) and notes.

A workload that needs more than "N threads doing the same op" (producers and
consumers, end-to-end delivery latency...) overrides ``run(ctx)`` and builds
its own :class:`~benchmarks.harness.Result`, using ``ctx.clients()`` and
:func:`~benchmarks.harness.run_load` as it sees fit.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..harness import LoadStats, Result, run_load, run_load_in_processes
from ..wire import load_client

WORKLOADS: dict[str, type[Workload]] = {}


def register(cls: type[Workload]) -> type[Workload]:
    if cls.name in WORKLOADS:
        raise ValueError(f"workload {cls.name!r} registered twice")
    WORKLOADS[cls.name] = cls
    return cls


def load_all() -> dict[str, type[Workload]]:
    """Import every module in this package so that each registers itself."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return WORKLOADS


@dataclass
class RunContext:
    """What a workload gets for one system."""

    system: str
    endpoint: str
    threads: int
    duration: float
    warmup: float
    total_ops: int | None = None
    procs: int = 1  # client processes, each running ``threads`` threads
    store_url: str | None = None  # eventyard's store, for workloads that preload data directly
    server_cpu: Callable[[], float] | None = None  # CPU seconds the server has used so far
    server_pid: int | None = None  # the server process itself (its children, e.g. function workers, apart)
    stop: threading.Event = field(default_factory=threading.Event)
    client_mode: str = "cheap"  # the load's clients: "cheap" (benchmarks.wire) or "boto3"

    def client(self, service: str) -> Any:
        return load_client(service, self.endpoint, self.client_mode)

    def clients(self, service: str, n: int | None = None) -> list[Any]:
        return [self.client(service) for _ in range(self.threads if n is None else n)]


class Workload:
    name: ClassVar[str]
    description: ClassVar[str] = ""
    service: ClassVar[str]  # boto3 service name of the clients
    defaults: ClassVar[Mapping[str, Any]] = {}
    extra_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self.params = {**self.defaults, **(params or {})}

    # -- the simple form ---------------------------------------------------
    def setup(self, clients: list[Any]) -> Any:
        return None

    def thread_state(self, state: Any, index: int) -> Any:
        return state

    def op(self, client: Any, state: Any) -> str | None:
        raise NotImplementedError

    def report(self, state: Any, stats: LoadStats) -> tuple[dict[str, Any], list[str]]:
        """Extra column values and notes for the table."""
        return {}, []

    # -- the general form ----------------------------------------------------
    def run(self, ctx: RunContext) -> Result:
        clients = ctx.clients(self.service)
        state = self.setup(clients)
        cpu0 = ctx.server_cpu() if ctx.server_cpu else None
        if ctx.procs == 1:
            states = [self.thread_state(state, i) for i in range(len(clients))]
            stats = run_load(clients, self.op, states, duration=ctx.duration,
                             warmup=ctx.warmup, total_ops=ctx.total_ops, stop=ctx.stop)
        else:
            def prepare(proc: int) -> tuple[list[Any], list[Any]]:
                mine = ctx.clients(self.service)  # fresh: connections are not fork-safe
                first = proc * ctx.threads
                return mine, [self.thread_state(state, first + i) for i in range(len(mine))]

            stats = run_load_in_processes(ctx.procs, prepare, self.op, duration=ctx.duration,
                                          warmup=ctx.warmup, total_ops=ctx.total_ops)
        extra, notes = self.report(state, stats)
        if cpu0 is not None and ctx.server_cpu and "CPU us/op" in self.extra_columns:
            calls = stats.ops + stats.errors + stats.warmup_ops + stats.warmup_errors
            extra["CPU us/op"] = us = 1e6 * (ctx.server_cpu() - cpu0) / calls if calls else None
            if us is not None:
                notes.append(f"server CPU {us:,.0f} us per call, over {calls:,} calls (warm-up included)")
        result = Result.from_stats(ctx.system, stats, extra=extra)
        result.details[:0] = notes
        return result


def parse_params(workload: type[Workload], pairs: list[str]) -> dict[str, Any]:
    """``key=value`` overrides, converted to the type of the default."""
    params: dict[str, Any] = dict(workload.defaults)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in workload.defaults:
            known = ", ".join(workload.defaults) or "none"
            raise ValueError(f"bad parameter {pair!r} for {workload.name} (known: {known})")
        default = workload.defaults[key]
        if isinstance(default, bool):
            params[key] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, (int, float)):
            params[key] = type(default)(raw)
        else:
            params[key] = raw
    return params
