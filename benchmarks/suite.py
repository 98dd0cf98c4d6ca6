"""Every workload, with both clients, one table each: what ``make bench`` runs.

    .venv/bin/python -m benchmarks.suite                      # short sizes (minutes)
    .venv/bin/python -m benchmarks.suite --full               # the workloads' own sizes
    .venv/bin/python -m benchmarks.suite --workloads sqs,sns --clients cheap --systems eventyard

Each (workload, client) pair is one ``python -m benchmarks.run`` in a child process, so one
run's servers, client processes and memory never outlive it; its table goes to stdout as
soon as it is done, its progress to stderr. The short sizes keep the default run well under
30 minutes on a 2-core machine with all three systems (moto is the slow one); their rates
are noisier than the full sizes', their server CPU per operation much less so. The pattern
matching benchmark (CPU only, no client) runs once at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .harness import SERVERS, log
from .wire import CLIENT_MODES

# workload -> arguments of the short run (the full run passes only --duration 10)
SHORT: dict[str, list[str]] = {
    "eventbus-read": ["--duration", "3"],
    "sqs": ["-p", "messages=2000", "-p", "deep=0", "-p", "latency_messages=200", "-p", "phase_timeout=20"],
    "eventbridge": ["--duration", "3", "-p", "rate=500", "-p", "drain_idle=5"],
    "sns": ["--duration", "3", "-p", "rate=200", "-p", "drain_idle=5"],
    "stepfunctions": ["--duration", "3", "-p", "map_items=1000", "-p", "map_timeout=30", "-p", "rate=100",
                      "-p", "drain_idle=5"],
    "functions": ["--duration", "3", "-p", "tail_invokes=50", "-p", "cold_functions=3", "-p", "messages=1000",
                  "-p", "esm_timeout=60", "-p", "esm_idle=10"],
}
FULL: dict[str, list[str]] = {name: ["--duration", "10"] for name in SHORT}
REPO_DIR = Path(__file__).resolve().parent.parent
PATTERNS_SHORT = ["--rules", "1000", "--duration", "2", "--peer-budget", "2"]


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the workloads' own sizes (an hour or more)")
    parser.add_argument("--workloads", default=",".join([*SHORT, "patterns"]),
                        help="comma-separated subset of %(default)s")
    parser.add_argument("--clients", default=",".join(CLIENT_MODES), help="comma-separated subset of %(default)s")
    parser.add_argument("--systems", default=",".join(SERVERS), help="comma-separated subset of %(default)s")
    parser.add_argument("--repeat", type=int, default=1, help="passed to benchmarks.run")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = [w for w in args.workloads if w not in SHORT and w != "patterns"]
    unknown += [c for c in args.clients if c not in CLIENT_MODES]
    if unknown:
        parser.error(f"unknown workloads or clients: {unknown}")
    return args


def commands(args: argparse.Namespace) -> list[list[str]]:
    """The ``benchmarks.run`` (and ``benchmarks.patterns``) command lines of a suite run."""
    sizes = FULL if args.full else SHORT
    out = []
    for workload in args.workloads:
        if workload == "patterns":
            peers = ",".join(s for s in args.systems.split(",") if s in ("eventyard", "moto", "ministack"))
            out.append([sys.executable, "-m", "benchmarks.patterns", "--systems", peers or "eventyard",
                        *([] if args.full else PATTERNS_SHORT)])
            continue
        for client in args.clients:
            out.append([sys.executable, "-m", "benchmarks.run", workload, "--client", client, "--systems",
                        args.systems, "--repeat", str(args.repeat), *sizes[workload]])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    started = time.monotonic()
    failed = []
    for command in commands(args):
        label = " ".join(command[1:])
        log(f"== {label} (load {os.getloadavg()[0]:.2f})")
        print(f"$ .venv/bin/python {label}", flush=True)
        try:
            code = subprocess.run(command, check=False, cwd=REPO_DIR).returncode
        except KeyboardInterrupt:
            log("interrupted")
            return 130
        print(flush=True)
        if code:
            failed.append(f"{label}: exit {code}")
            if code == 130:
                return 130
    log(f"suite done in {(time.monotonic() - started) / 60:.1f} min, load {os.getloadavg()[0]:.2f}")
    for line in failed:
        print(f"failed: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
