"""The ``eventyard`` command and the AWS CLI driving a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eventyard import __version__

BIN = Path(sys.executable).parent


def _aws(server, *args: str, account: str = "000000000000") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account,
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    return subprocess.run([str(BIN / "aws"), "--endpoint-url", server.url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_version():
    out = subprocess.run([str(BIN / "eventyard"), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"eventyard, version {__version__}"


def test_serve_help_lists_flags():
    out = subprocess.run([str(BIN / "eventyard"), "serve", "--help"], capture_output=True, text=True, check=True)
    for flag in ("--host", "--port", "--store", "--auth", "--log-level"):
        assert flag in out.stdout


def test_bad_auth_settings_fail_cleanly(tmp_path):
    cases = [(["--auth", "iam"], "--auth iam needs at least one access key"),
             (["--web-identity", "https://issuer.example"], "is not ISSUER|KEYS"),
             (["--web-identity", f"https://issuer.example|{tmp_path}/missing.json"], "cannot read the JWKS file")]
    for args, said in cases:
        out = subprocess.run([str(BIN / "eventyard"), "serve", "--port", "1", *args], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 2 and said in out.stderr, out.stderr
        assert "Traceback" not in out.stderr


def test_bad_store_url_fails_cleanly(tmp_path):
    out = subprocess.run([str(BIN / "eventyard"), "serve", "--store", "mysql://nope", "--port", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Unsupported store URL" in out.stderr
    assert "Traceback" not in out.stderr


def test_aws_cli_event_buses(server):
    account = "210987654321"
    created = _aws(server, "events", "create-event-bus", "--name", "cli-bus", "--description", "from the cli",
                   account=account)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["EventBusArn"] == f"arn:aws:events:us-east-1:{account}:event-bus/cli-bus"
    listed = _aws(server, "events", "list-event-buses", "--name-prefix", "cli", account=account)
    assert listed.returncode == 0, listed.stderr
    assert [b["Name"] for b in json.loads(listed.stdout)["EventBuses"]] == ["cli-bus"]
    described = json.loads(_aws(server, "events", "describe-event-bus", "--name", "cli-bus", account=account).stdout)
    assert described["Description"] == "from the cli"
    missing = _aws(server, "events", "describe-event-bus", "--name", "nope", account=account)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr and "Event bus nope does not exist." in missing.stderr
    deleted = _aws(server, "events", "delete-event-bus", "--name", "cli-bus", account=account)
    assert deleted.returncode == 0, deleted.stderr


def test_aws_cli_debug_logs_one_line_per_request(tmp_path, store_url):
    from _server import ServerProcess

    server = ServerProcess(store_url, log_path=tmp_path / "server.log", extra_args=["--log-level", "debug"])
    server.start()
    try:
        assert _aws(server, "events", "list-event-buses").returncode == 0
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1
    assert requests[0]["operation"] == "ListEventBuses" and requests[0]["status"] == 200
    assert requests[0]["level"] == "debug" and requests[0]["request_id"]


def test_serve_freezes_its_start_up_heap():
    """``serve`` loads every service model and hides what start-up made from the
    garbage collector (full collections otherwise walk it: 14-28 ms pauses)."""
    import gc

    from eventyard import cli
    from eventyard.api import catalog

    assert gc.get_freeze_count() == 0
    try:
        cli._freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000
        # a service model loaded by start-up is among the frozen objects, which no
        # collection (and so no generation listing) sees any more
        operations = catalog.service("sqs").operations
        assert not any(o is operations for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is operations for o in gc.get_objects())


def test_auth_iam_is_a_mode_that_needs_root_keys():
    out = subprocess.run([str(BIN / "eventyard"), "serve", "--auth", "iam", "--port", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--auth iam needs at least one access key" in out.stderr
    assert "Traceback" not in out.stderr
