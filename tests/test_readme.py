"""Every code example in README.md works as written, against a real server.

A fenced ``python`` or ``sh`` block is an example and is run, unless the line before it
is an HTML comment ``<!-- not run ... -->`` that says why (``make run`` itself, commands
that need a PostgreSQL server). Python blocks run with this venv's Python, which has what
``make run`` installs (boto3, the AWS CLI); ``sh`` blocks run in bash, where the README's
``.venv/bin/`` is this venv's. Both run with a bare environment: no AWS settings, and a
home directory without ``~/.aws``, as on a fresh machine.

The examples name the documented address, ``http://127.0.0.1:4566``. The server here runs
on a free port instead and the address is rewritten: the suite runs in parallel and next
to whatever the machine runs, so the documented port may be taken, and a test whose
outcome depends on that would not be deterministic. Every example must name the
documented address, so the rewrite cannot miss one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx

from _server import ServerProcess, free_port
from _stores import sqlite_url

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTED = "http://127.0.0.1:4566"


def blocks() -> list[tuple[str, str, bool]]:
    """(language, code, whether it is run) of every fenced block, in order."""
    text = README.read_text()
    found = []
    for match in re.finditer(r"```(?P<lang>[\w-]*)\n(?P<code>.*?)^```$", text, re.MULTILINE | re.DOTALL):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        found.append((match["lang"], match["code"], not before.startswith("<!-- not run")))
    return found


def test_every_block_is_an_example_or_says_why_not():
    found = blocks()
    assert all(lang in ("python", "sh") for lang, _, _ in found), [lang for lang, _, _ in found]
    examples = [code for _, code, run in found if run]
    assert len(examples) >= 3
    assert all(DOCUMENTED in code for code in examples)


def test_the_readme_examples_work_as_written(tmp_path: Path):
    server = ServerProcess(sqlite_url(tmp_path / "store"), log_path=tmp_path / "server.log").start()
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:  # the source tree under test, as the server has it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    venv_bin = str(Path(sys.executable).parent) + "/"
    try:
        for lang, code, run in blocks():
            if not run:
                continue
            code = code.replace(DOCUMENTED, server.url).replace(".venv/bin/", venv_bin)
            if lang == "python":
                command = [sys.executable, "-c", code]
            else:
                command = ["bash", "-euo", "pipefail", "-c", code]
            out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=home, timeout=120)
            assert out.returncode == 0, f"{lang} example failed:\n{code}\n{out.stdout}\n{out.stderr}"
            assert "Traceback" not in out.stderr
    finally:
        server.stop()


def test_make_run_leaves_the_settings_to_the_environment():
    """``make run`` passes no flag that would override an ``EVENTYARD_*`` variable."""
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "run"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    [serve] = [line for line in out.stdout.splitlines() if "eventyard serve" in line]
    assert serve.strip().endswith("eventyard serve")
    # and it installs the clients the examples use
    [install] = [line for line in out.stdout.splitlines() if "pip install" in line and "-e" in line]
    assert "'.[clients]'" in install
    clients = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["clients"]
    assert {re.split(r"[<>=]", c)[0] for c in clients} == {"boto3", "awscli"}


def test_serve_takes_its_settings_from_the_documented_variables(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "EVENTYARD_PORT": str(port), "EVENTYARD_STORE": sqlite_url(tmp_path),
           "EVENTYARD_LOG_LEVEL": "warning"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("eventyard")), "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while health is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_eventyard/health", timeout=1).json()
            except httpx.HTTPError:
                time.sleep(0.05)
        assert health is not None and health["status"] == "ok", proc.stderr.read() if proc.poll() is not None else ""
        assert (tmp_path / "yard.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
