"""Installing eventyard needs no C compiler: the matcher's C extension is optional, and
without it the matcher walks events in pure Python with the same answers."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_MATCH = """
from eventyard.core.patterns import _accel
from eventyard.core.patterns.compiled import RuleMatcher
from eventyard.core.patterns.parse import parse_pattern
assert _accel.native is None, "the C extension was loaded"
matcher = RuleMatcher()
matcher.add("orders", parse_pattern('{"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}}'))
assert matcher.match_event({"source": "shop", "detail": {"total": 12}}) == {"orders"}
assert matcher.match_event({"source": "shop", "detail": {"total": 9}}) == set()
print("pure python")
"""


def test_a_wheel_builds_without_a_c_compiler_and_the_matcher_runs_in_pure_python(tmp_path: Path) -> None:
    # CC=/bin/false: every compile fails, as on a machine with no compiler. pip builds the
    # wheel in an isolated environment with pyproject.toml's build requirements.
    env = {**os.environ, "CC": "/bin/false", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheels"), str(ROOT)],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "wheels").glob("eventyard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "eventyard/core/patterns/compiled.py" in names
        assert "eventyard/runtime/functions/node_runtime.mjs" in names  # package data: Node workers' client
        assert not [n for n in names if "_native" in n and n.endswith((".so", ".pyd"))]
        archive.extractall(tmp_path / "site")
    # the installed package, on its own (not this source tree, whose extension may be built)
    ran = subprocess.run([sys.executable, "-c", _MATCH], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "site")}, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "pure python"
