"""Run one workload against eventyard and its peers, side by side, one table.

    .venv/bin/python -m benchmarks.run eventbus-read
    .venv/bin/python -m benchmarks.run eventbus-read --systems moto,ministack --duration 5
    .venv/bin/python -m benchmarks.run --list

Systems run one after the other (never at once: they would share the CPUs),
each freshly started on its own free port on 127.0.0.1 and stopped after.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from . import harness
from .harness import PEERS, SERVERS, Result, ServerError, format_config, format_table, log
from .wire import CLIENT_MODES
from .workloads import RunContext, Workload, load_all, parse_params


def _parse_args(argv: list[str] | None, workloads: dict[str, type[Workload]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Side-by-side benchmark of eventyard, moto_server and ministack.",
    )
    parser.add_argument("workload", nargs="?", choices=sorted(workloads), metavar="WORKLOAD",
                        help=f"one of: {', '.join(sorted(workloads))}")
    parser.add_argument("--systems", default=",".join(SERVERS),
                        help="comma-separated subset of %(default)s")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="measured seconds per system (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="seconds of load before measuring (default %(default)s)")
    parser.add_argument("--threads", type=int, default=4,
                        help="client threads, each with its own boto3 client (default %(default)s)")
    parser.add_argument("--procs", type=int, default=1,
                        help="client processes, each with --threads threads (default %(default)s)")
    parser.add_argument("--client", choices=CLIENT_MODES, default="cheap",
                        help="the load's clients: cheap (requests serialized once by botocore, replayed over "
                             "keep-alive sockets) or boto3 (what SDK users see); set-up calls use boto3 "
                             "(default %(default)s)")
    parser.add_argument("--ops", type=int, default=None,
                        help="measure this many calls in total instead of --duration")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="workload parameter, e.g. -p buses=50 (see --list)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each system this many times (a fresh server each time) and show the "
                             "median of each rate and time, the sum of each count, every run below "
                             "(default %(default)s)")
    parser.add_argument("--keep-workdir", action="store_true",
                        help="keep server logs and data (kept anyway when a system fails)")
    parser.add_argument("--list", action="store_true", help="list workloads and exit")
    args = parser.parse_args(argv)
    if not args.list and not args.workload:
        parser.error("a WORKLOAD is required (or --list)")
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in args.systems if s not in SERVERS]
    if unknown or not args.systems:
        parser.error(f"--systems: unknown {unknown}; choose from {','.join(SERVERS)}")
    if args.threads < 1 or args.procs < 1 or args.duration <= 0 or args.warmup < 0 or args.repeat < 1:
        parser.error("--threads >= 1, --procs >= 1, --duration > 0, --warmup >= 0, --repeat >= 1")
    if args.workload:
        try:
            args.params = parse_params(workloads[args.workload], args.param)
        except ValueError as exc:
            parser.error(str(exc))
    return args


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_system(name: str, workload: Workload, args: argparse.Namespace, workdir: Path,
               peers_error: str | None) -> Result | list[Result]:
    """Start one system, run the workload on it, stop it; a failure becomes a row.
    A workload may return several rows (e.g. one per queue kind)."""
    if name in PEERS and peers_error:
        return Result(name, note=f"peers venv unavailable: {peers_error.splitlines()[0]}",
                      details=peers_error.splitlines()[1:])
    server = SERVERS[name](workdir / name)
    try:
        try:
            ready_in = server.launch()
            listeners = server.check_loopback_only()
        except ServerError as exc:
            return Result(name, note=f"failed to start: {exc}",
                          details=_log_lines(server, exc.log_tail))
        log(f"[{name}] ready on {server.endpoint} in {ready_in:.1f}s "
            f"(pid {server.proc.pid if server.proc else '?'}, listening: {', '.join(listeners)})")
        ctx = RunContext(name, server.endpoint, args.threads, args.duration, args.warmup,
                         args.ops, args.procs, store_url=getattr(server, "store_url", None),
                         server_cpu=server.cpu_seconds, server_pid=server.proc.pid if server.proc else None,
                         client_mode=args.client)
        log(f"[{name}] running {workload.name} ...")
        wall0, server0, client0 = time.perf_counter(), server.cpu_seconds(), _client_cpu()
        try:
            result = workload.run(ctx)
        except Exception as exc:  # noqa: BLE001 - a failed setup is a row, not a crash
            kind = harness.error_kind(exc)
            return Result(name, note=f"workload failed: {kind}: {exc}",
                          details=_log_lines(server, server.log_tail()))
        wall = time.perf_counter() - wall0
        rows = result if isinstance(result, list) else [result]
        rows[-1].details.append(
            f"CPU while the workload ran ({wall:.1f}s, setup included): "
            f"server {100 * (server.cpu_seconds() - server0) / wall:.0f}%, "
            f"client {100 * (_client_cpu() - client0) / wall:.0f}% "
            f"(100% = one core of {os.cpu_count()})"
        )
        try:  # listeners opened lazily during the run count too
            server.check_loopback_only()
        except ServerError as exc:
            rows[-1].note = str(exc)
        return result
    finally:
        server.stop()


def _client_cpu() -> float:
    """CPU seconds of this process plus its reaped children (client processes;
    the servers are reaped only when stopped, after the measurement)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _log_lines(server: harness.Server, tail: str) -> list[str]:
    if not server.log_path.exists():
        return []
    return [f"log {server.log_path}, last lines:", *(f"  {line}" for line in tail.splitlines())]


def main(argv: list[str] | None = None) -> int:
    workloads = load_all()
    args = _parse_args(argv, workloads)
    if args.list:
        for name, cls in sorted(workloads.items()):
            params = format_config(cls.defaults) or "-"
            print(f"{name:20} {cls.description}  [params: {params}]")
        return 0

    # Explicit, because a shell starts background jobs with SIGINT ignored:
    # whichever way the harness is stopped, its servers are stopped first.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_requested)
    workload = workloads[args.workload](args.params)

    peers_error = None
    if any(s in PEERS for s in args.systems):
        try:
            harness.ensure_peers_venv()
        except harness.PeersInstallError as exc:
            peers_error = str(exc)

    config = {**({"repeat": args.repeat} if args.repeat > 1 else {}),
              "client": args.client, **({"procs": args.procs} if args.procs > 1 else {}), "threads": args.threads,
              **({"ops": args.ops} if args.ops else {"duration": f"{args.duration:g}s"}),
              "warmup": f"{args.warmup:g}s", **workload.params}
    versions = _versions(args.systems, peers_error)
    machine = (f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, "
               f"Python {platform.python_version()}")
    header = (f"workload {workload.name}: {format_config(config)} | {machine}"
              + (f" | {versions}" if versions else ""))

    workdir = Path(tempfile.mkdtemp(prefix="eventyard-bench-"))
    results: list[Result] = []
    interrupted = False
    try:
        for name in args.systems:
            runs: list[list[Result]] = []
            for attempt in range(args.repeat):
                started = time.perf_counter()
                outcome = run_system(name, workload, args, workdir / f"run{attempt + 1}", peers_error)
                runs.append(outcome if isinstance(outcome, list) else [outcome])
                log(f"[{name}] done in {time.perf_counter() - started:.1f}s"
                    + (f" (run {attempt + 1} of {args.repeat})" if args.repeat > 1 else ""))
            results += runs[0] if len(runs) == 1 else harness.combine_runs(runs, workload.extra_columns)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: servers stopped")
        done = {r.system.split()[0] for r in results}
        results += [Result(s, note="interrupted") for s in args.systems if s not in done]
    finally:
        failed = any(r.note and r.note != "interrupted" for r in results)
        if args.keep_workdir or failed:
            log(f"server logs and data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(format_table(header, results, workload.extra_columns, peers=PEERS))
    return 130 if interrupted else 0


def _versions(systems: list[str], peers_error: str | None) -> str:
    parts = []
    if any(s.startswith("eventyard") for s in systems):
        found = harness.package_versions(Path(sys.prefix) / "bin" / "python", ["eventyard"])
        parts.append(f"eventyard {found.get('eventyard', '?')}")
    if not peers_error and any(s in PEERS for s in systems):
        found = harness.package_versions(harness.peer_bin("python"), ["moto", "ministack"])
        parts += [f"{pkg} {found.get(pkg, '?')}" for pkg, sys_name in
                  (("moto", "moto"), ("ministack", "ministack")) if sys_name in systems]
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
