"""The shared shape of the fan-out workloads (``eventbridge``, ``sns``): producer processes
put items in, the service fans each out to SQS queues, consumer processes drain the
queues, and each delivery is checked against the ones the producers expected.

A subclass does its own set-up, then calls :meth:`FanoutWorkload.run_phases`; it names
its client processes (``producer``, ``consumer``, module-level functions that report on
the ``out`` queue as ``("producer" | "consumer", index, report)``), its noun and verb for
the notes, and its first two extra columns (accepted/s and delivered/s).

Each phase (``-p phases=latency,throughput``) runs the producers (paced at ``rate`` items/s
in total for ``latency``, as fast as they can for ``throughput``), drains until every
expected delivery arrived or nothing came for ``drain_idle`` seconds, and counts lost and
duplicate deliveries.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import time
from collections import Counter
from typing import Any, Callable

from ..harness import LoadStats, Result, percentile, start_forked
from . import RunContext, Workload


class FanoutWorkload(Workload):
    noun = "item"
    accepted_verb = "accepted"
    # the server-CPU-per-item column of the throughput phase (None: the workload reports its own)
    cpu_column: str | None = None
    producer: Callable[..., None]
    consumer: Callable[..., None]

    def run_phases(self, ctx: RunContext, params: dict[str, Any], procs: int, urls: list[str],
                   notes: list[str]) -> Result:
        phases = [p.strip() for p in params["phases"].split(",") if p.strip()]
        params["_client"] = ctx.client_mode
        extra: dict[str, Any] = {}
        lost = dup = 0
        put_stats: LoadStats | None = None
        offset = 0
        for phase in phases:
            rate = float(params["rate"]) if phase == "latency" else None
            params["_offset"] = offset
            offset += procs
            seconds = ctx.duration + (ctx.warmup if phase == "latency" else 0.0)
            cpu0 = ctx.server_cpu() if ctx.server_cpu else None
            outcome = self._phase(ctx.endpoint, params, procs, urls, rate, seconds)
            cpu1 = ctx.server_cpu() if ctx.server_cpu else None
            accepted, delivered = outcome["accepted"], outcome["delivered"]
            if cpu0 is not None and cpu1 is not None and accepted:
                us = 1e6 * (cpu1 - cpu0) / accepted
                notes.append(f"[{phase}] server CPU {us:,.0f} us per {self.noun} {self.accepted_verb} and delivered"
                             + (f" ({1e6 * (cpu1 - cpu0) / delivered:,.0f} us per delivery)" if delivered else "")
                             + ", from the producers' start to the end of the drain")
                if phase != "latency" and self.cpu_column:
                    extra[self.cpu_column] = us
            lost += outcome["lost"]
            dup += outcome["dup"]
            notes += [f"[{phase}] {line}" for line in outcome["notes"]]
            if phase == "latency":
                warm_end = outcome["start"] + ctx.warmup
                e2e = sorted(r - s for s, r in outcome["e2e"] if s >= warm_end)
                extra["e2e p50 ms"] = None if not e2e else percentile(e2e, 50) * 1000
                extra["e2e p99 ms"] = None if not e2e else percentile(e2e, 99) * 1000
                notes.append(f"[latency] {len(e2e)} deliveries measured at {params['rate']} {self.noun}s/s offered, "
                             f"p90 {_ms(percentile(e2e, 90) if e2e else None)}, max {_ms(e2e[-1] if e2e else None)}")
            else:
                extra[self.extra_columns[0]] = outcome["accepted_per_s"]
                extra[self.extra_columns[1]] = outcome["delivered_per_s"]
                put_stats = outcome["put_stats"]
        extra["lost"] = lost
        extra["dup"] = dup
        if put_stats is None:
            result = Result(ctx.system, extra=extra)
        else:
            result = Result.from_stats(ctx.system, put_stats, extra=extra)
        result.details[:0] = notes
        return result

    def _phase(self, endpoint: str, params: dict[str, Any], procs: int, urls: list[str], rate: float | None,
               seconds: float) -> dict[str, Any]:
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        stop = ctx.Event()
        received = ctx.Value("l", 0)
        n_cons = max(1, int(params["consumers"]))
        assignment = [[(q, url) for q, url in enumerate(urls) if q % n_cons == c] for c in range(n_cons)]
        consumers = [ctx.Process(target=self.consumer, args=(c, endpoint, assignment[c], params["pollers"], stop, received, out,
                                                             params.get("_client", "boto3")),
                                 daemon=True) for c in range(n_cons) if assignment[c]]
        start_at = time.time() + 1.5  # every producer starts together, clients made
        per_proc = rate / procs if rate else None
        producers = [ctx.Process(target=self.producer, args=(p, endpoint, params, per_proc, start_at, seconds, out),
                                 daemon=True) for p in range(procs)]
        start_forked(consumers + producers)
        reports: dict[str, list[dict[str, Any]]] = {"producer": [], "consumer": []}
        try:
            while len(reports["producer"]) < procs:
                kind, _, report = out.get(timeout=seconds + 120)
                reports[kind].append(report)
            expected_total = sum(len(m) for r in reports["producer"] for *_, m in r["accepted"])
            # drain: until every expected delivery arrived or nothing came for drain_idle seconds
            last, last_change = -1, time.time()
            while received.value < expected_total and time.time() - last_change < params["drain_idle"]:
                if received.value != last:
                    last, last_change = received.value, time.time()
                time.sleep(0.1)
            stop.set()
            while len(reports["consumer"]) < len(consumers):
                kind, _, report = out.get(timeout=30)
                reports[kind].append(report)
        except queue_mod.Empty:
            raise RuntimeError("a client process did not report") from None
        finally:
            stop.set()
            for proc in consumers + producers:  # our own children, by their handles
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.terminate()
                    proc.join(timeout=5)

        expected: Counter[tuple[str, int]] = Counter()
        sent_window = [min(r["window"][0] for r in reports["producer"]), max(r["window"][1] for r in reports["producer"])]
        for r in reports["producer"]:
            for _, key, _, matched in r["accepted"]:
                for q in matched:
                    expected[(key, q)] += 1
        got: Counter[tuple[str, int]] = Counter()
        e2e: list[tuple[float, float]] = []
        last_receive = sent_window[0]
        for r in reports["consumer"]:
            for key, q, sent, when in r["got"]:
                got[(key, q)] += 1
                e2e.append((sent, when))
                last_receive = max(last_receive, when)
        lost = sum(max(0, n - got[k]) for k, n in expected.items())
        dup = sum(max(0, n - expected[k]) for k, n in got.items())
        accepted = sum(len(r["accepted"]) for r in reports["producer"])
        deliveries = sum(got.values())
        stats = LoadStats(threads=procs)
        stats.window_start, stats.window_end = 0.0, sent_window[1] - sent_window[0]
        stats.latencies = [dt for r in reports["producer"] for _, dt in r["latencies"]]
        for r in reports["producer"]:
            stats.errors += sum(r["errors"].values())
            stats.error_kinds.update(r["errors"])
            for kind, sample in r["samples"].items():
                stats.error_samples.setdefault(kind, sample)
        notes = [f"{accepted:,} {self.noun}s {self.accepted_verb} in {sent_window[1] - sent_window[0]:.1f}s, "
                 f"{sum(expected.values()):,} deliveries expected "
                 f"({sum(expected.values()) / max(1, accepted):.2f} per {self.noun}), {deliveries:,} received, "
                 f"last {last_receive - sent_window[1]:.1f}s after the last send"]
        errors = Counter[str]()
        for r in reports["producer"] + reports["consumer"]:
            errors.update(r["errors"])
        if errors:
            notes.append("errors: " + ", ".join(f"{k} x{n}" for k, n in errors.most_common(5)))
            for r in reports["producer"]:
                for kind, sample in list(r["samples"].items())[:2]:
                    notes.append(f"  {kind}: {sample}")
                break
        span = last_receive - sent_window[0]
        return {
            "start": sent_window[0], "e2e": e2e, "lost": lost, "dup": dup, "notes": notes, "put_stats": stats,
            "accepted": accepted, "delivered": deliveries,
            "accepted_per_s": accepted / max(1e-9, sent_window[1] - sent_window[0]),
            "delivered_per_s": deliveries / span if deliveries and span > 0 else 0.0,
        }




def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"
