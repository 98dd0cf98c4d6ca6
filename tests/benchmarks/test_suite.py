"""``make bench`` (benchmarks.suite): every registered workload, with both clients."""

from __future__ import annotations

from benchmarks import suite
from benchmarks.run import _parse_args
from benchmarks.workloads import load_all
from benchmarks.wire import CLIENT_MODES


def test_the_suite_runs_every_workload_with_both_clients_and_valid_arguments() -> None:
    workloads = load_all()
    # a new workload joins make bench (pattern matching has its own entry point)
    assert set(suite.SHORT) == set(workloads) - {"patterns"}
    for full in (False, True):
        args = suite._parse(["--full"] if full else [])
        commands = suite.commands(args)
        runs = [c[3:] for c in commands if c[2] == "benchmarks.run"]
        assert sorted((r[0], r[r.index("--client") + 1]) for r in runs) == sorted(
            (w, c) for w in workloads for c in CLIENT_MODES)
        for run in runs:  # benchmarks.run accepts each command line, parameters included
            parsed = _parse_args(run, workloads)
            assert parsed.client in CLIENT_MODES
        assert any(c[2] == "benchmarks.patterns" for c in commands)
