"""``eventyard serve`` as a new user meets it: the home page, a port in use, a second
server on the same SQLite file, and what the logs say."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client
from _server import ServerProcess, free_port
from _stores import sqlite_url
from eventyard import __version__

EVENTYARD = str(Path(sys.executable).with_name("eventyard"))


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    """``eventyard serve`` that is expected to refuse to start."""
    return subprocess.run([EVENTYARD, "serve", "--host", "127.0.0.1", *args],
                          capture_output=True, text=True, timeout=60)


def test_a_browser_at_the_root_gets_a_page_with_health_and_links(server):
    page = httpx.get(server.url + "/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"eventyard {__version__}" in page.text
    assert 'href="/_eventyard/health"' in page.text and 'href="/metrics"' in page.text
    # an AWS request at the root is still the API's
    sqs = client("sqs", server.url, account="343434343434")
    assert "QueueUrls" not in sqs.list_queues()
    legacy = httpx.get(server.url + "/", params={"Action": "ListQueues", "Version": "2012-11-05"}, timeout=10)
    assert legacy.status_code == 200 and "<ListQueuesResponse" in legacy.text


def test_a_port_in_use_fails_with_a_clear_message_and_no_listening_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = _serve("--port", str(port), "--store", sqlite_url(tmp_path))
    assert out.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use" in out.stderr
    assert "listening on" not in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "yard.db").exists()  # nothing was opened


def test_a_second_server_on_one_sqlite_file_is_refused_until_the_first_is_gone(tmp_path):
    url = sqlite_url(tmp_path)
    first = ServerProcess(url, log_path=tmp_path / "first.log").start()
    try:
        out = _serve("--port", str(free_port()), "--store", url)
        assert out.returncode == 2
        assert f"another eventyard server (process {first.proc.pid}) is already serving" in out.stderr
        assert "PostgreSQL" in out.stderr and "listening on" not in out.stderr and "Traceback" not in out.stderr
        client("sqs", first.url).create_queue(QueueName="kept")
        first.kill()  # kill -9: the operating system drops the lock with the process
        first.start()
        assert client("sqs", first.url).get_queue_url(QueueName="kept")["QueueUrl"].endswith("/kept")
    finally:
        first.stop()
    second = ServerProcess(url, log_path=tmp_path / "second.log").start()  # after a clean stop too
    second.stop()


def test_debug_logs_name_the_error_and_leave_out_library_internals(tmp_path):
    server = ServerProcess(sqlite_url(tmp_path), log_path=tmp_path / "server.log",
                           extra_args=["--log-level", "debug"]).start()
    try:
        sqs = client("sqs", server.url)
        with pytest.raises(ClientError):
            sqs.get_queue_url(QueueName="missing")
        sqs.create_queue(QueueName="there")
    finally:
        server.stop()
    lines = server.log().splitlines()
    # every line is one of eventyard's JSON lines, or the start-up line: botocore's
    # debug output (it loads the service models in the server) stays out
    assert all(line.startswith("{") or line.startswith("eventyard ") for line in lines), lines[:5]
    requests = [json.loads(line) for line in lines if line.startswith("{") and '"request"' in line]
    failed = [r for r in requests if r["operation"] == "GetQueueUrl"]
    assert failed and failed[0]["status"] == 400 and failed[0]["error"] == "QueueDoesNotExist"
    assert [r.get("error") for r in requests if r["operation"] == "CreateQueue"] == [None]
