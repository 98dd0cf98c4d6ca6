"""CloudWatch Logs through the AWS CLI against a real server, on both backends: v1 for
the basic commands, and ``aws logs tail`` (a v2 command) two ways: the call sequence v2's
tail makes, driven through boto3 (always), and CLI v2 itself where it is installed
(Debian's ``awscli`` package puts it at /usr/bin/aws)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from _clients import client

CLI_V2 = "/usr/bin/aws"


def _env(account: str) -> dict[str, str]:
    return {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": ""}


def _aws(server: Any, account: str, *args: str, ok: bool = True) -> Any:
    done = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", server.url, "--output", "json",
                           "logs", *args], env=_env(account), capture_output=True, text=True, timeout=60)
    if not ok:
        assert done.returncode != 0, done.stdout
        return done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def account() -> str:
    return f"{uuid.uuid4().int % 10**12:012d}"


def test_the_basic_commands(server: Any, account: str) -> None:
    _aws(server, account, "create-log-group", "--log-group-name", "/cli/app")
    _aws(server, account, "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "s1")
    now = int(time.time() * 1000)
    events = json.dumps([{"timestamp": now - 2, "message": "hello"}, {"timestamp": now - 1, "message": "ERROR boom"}])
    _aws(server, account, "put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "s1",
         "--log-events", events)
    groups = _aws(server, account, "describe-log-groups", "--log-group-name-prefix", "/cli")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/cli/app"]
    streams = _aws(server, account, "describe-log-streams", "--log-group-name", "/cli/app")["logStreams"]
    assert streams[0]["logStreamName"] == "s1" and streams[0]["lastEventTimestamp"] == now - 1
    got = _aws(server, account, "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "s1",
               "--start-from-head")
    assert [e["message"] for e in got["events"]] == ["hello", "ERROR boom"]
    found = _aws(server, account, "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "ERROR")
    assert [e["message"] for e in found["events"]] == ["ERROR boom"]
    _aws(server, account, "put-retention-policy", "--log-group-name", "/cli/app", "--retention-in-days", "7")
    assert _aws(server, account, "describe-log-groups")["logGroups"][0]["retentionInDays"] == 7
    err = _aws(server, account, "create-log-group", "--log-group-name", "/cli/app", ok=False)
    assert "ResourceAlreadyExistsException" in err and "The specified log group already exists" in err
    _aws(server, account, "delete-log-group", "--log-group-name", "/cli/app")
    err = _aws(server, account, "delete-log-group", "--log-group-name", "/cli/app", ok=False)
    assert "The specified log group does not exist." in err


def test_the_calls_tail_makes(server: Any, account: str) -> None:
    """``aws logs tail G --follow`` (CLI v2, awscli/customizations/logs/tail.py):
    FilterLogEvents(interleaved=True, startTime=now-10min) page by page, then polls with
    startTime = the newest timestamp seen, dropping events whose eventId it printed."""
    logs = client("logs", server.url, account=account)
    logs.create_log_group(logGroupName="/aws/lambda/f")
    logs.create_log_stream(logGroupName="/aws/lambda/f", logStreamName="2026/01/01/[$LATEST]abc")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/aws/lambda/f", logStreamName="2026/01/01/[$LATEST]abc", logEvents=[
        {"timestamp": now - 20 * 60_000, "message": "too early for tail"},
        {"timestamp": now - 60_000, "message": "START RequestId: 1"},
        {"timestamp": now - 59_000, "message": "END RequestId: 1"}])
    printed: dict[str, str] = {}
    newest = now - 10 * 60_000

    def poll() -> None:
        nonlocal newest
        kwargs: dict[str, Any] = {"logGroupName": "/aws/lambda/f", "interleaved": True, "startTime": newest}
        while True:
            page = logs.filter_log_events(**kwargs)
            for event in page["events"]:
                if event["eventId"] not in printed:
                    printed[event["eventId"]] = event["message"]
                newest = max(newest, event["timestamp"])
            if "nextToken" not in page:
                return
            kwargs["nextToken"] = page["nextToken"]

    poll()
    assert list(printed.values()) == ["START RequestId: 1", "END RequestId: 1"]
    later = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/aws/lambda/f", logStreamName="2026/01/01/[$LATEST]abc",
                        logEvents=[{"timestamp": later, "message": "REPORT RequestId: 1"}])
    poll()  # the event at the newest timestamp comes again and is dropped by its eventId
    assert list(printed.values()) == ["START RequestId: 1", "END RequestId: 1", "REPORT RequestId: 1"]


def test_aws_logs_tail_with_cli_v2(server: Any, account: str, tmp_path: Path) -> None:
    logs = client("logs", server.url, account=account)
    logs.create_log_group(logGroupName="/aws/lambda/tailed")
    logs.create_log_stream(logGroupName="/aws/lambda/tailed", logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/aws/lambda/tailed", logStreamName="s",
                        logEvents=[{"timestamp": now - 1000, "message": "first line"}])
    once = subprocess.run([CLI_V2, "--endpoint-url", server.url, "logs", "tail", "/aws/lambda/tailed"],
                          env=_env(account), capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    assert "first line" in once.stdout and " s " in once.stdout  # "<time> <stream> <message>"
    out = tmp_path / "tail.out"
    with out.open("w") as sink:
        follower = subprocess.Popen([CLI_V2, "--endpoint-url", server.url, "logs", "tail", "/aws/lambda/tailed",
                                     "--follow", "--format", "short"], env=_env(account), stdout=sink,
                                    stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "first line" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        logs.put_log_events(logGroupName="/aws/lambda/tailed", logStreamName="s",
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "second line"}])
        while "second line" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)  # tail polls every 5 s
        text = out.read_text()
        assert "second line" in text, text
        assert text.count("first line") == 1, text
    finally:
        follower.terminate()
        follower.wait(timeout=30)
