"""``eventyard serve --workers 2``: one port served by two processes over one store.

The server's waiters re-check the store only every 1,000 s here, so a long poll that
gets its message within its 20 s wait was woken by the worker that took the send.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from _clients import client
from _server import EVENTYARD, ServerProcess
from _waiting import wait_until
from _workers import Pinned, pin_workers, worker_pids

ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def group(make_server: Any) -> ServerProcess:
    return make_server(extra_args=["--workers", "2"], env={"EVENTYARD_WAKEUP_FALLBACK_SECONDS": "1000"})


@pytest.fixture
def pinned(group: ServerProcess) -> Iterator[list[Pinned]]:
    """Per test: uvicorn closes a keep-alive connection idle for 5 s."""
    connections = pin_workers(group.url, 2)
    yield connections
    for connection in connections:
        connection.close()


def _long_poll_gets_send(receiver: Pinned, sender: Pinned, queue_url: str, body: str) -> list[str]:
    receiver.send("sqs", "ReceiveMessage", {"QueueUrl": queue_url, "WaitTimeSeconds": 20}, account=ACCOUNT)
    got: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: got.append(receiver.answer()))
    reader.start()
    sender.call("sqs", "SendMessage", {"QueueUrl": queue_url, "MessageBody": body}, account=ACCOUNT)
    reader.join()
    return [m["Body"] for m in got[0].get("Messages", [])]


def test_two_workers_answer_on_one_port(group, pinned):
    assert len({p.process for p in pinned}) == 2
    assert {p.process for p in pinned} <= worker_pids(group.proc.pid)


def test_a_send_wakes_a_long_poll_in_the_other_worker(pinned):
    a, b = pinned
    url = a.call("sqs", "CreateQueue", {"QueueName": "across"}, account=ACCOUNT)["QueueUrl"]
    for turn in range(3):  # each way, more than once
        assert _long_poll_gets_send(a, b, url, f"b-to-a-{turn}") == [f"b-to-a-{turn}"]
        assert _long_poll_gets_send(b, a, url, f"a-to-b-{turn}") == [f"a-to-b-{turn}"]


def test_a_rule_made_in_one_worker_routes_events_put_in_the_other(pinned):
    a, b = pinned
    url = a.call("sqs", "CreateQueue", {"QueueName": "routed"}, account=ACCOUNT)["QueueUrl"]
    arn = a.call("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
                 account=ACCOUNT)["Attributes"]["QueueArn"]
    entry = {"Source": "test.workers", "DetailType": "t", "Detail": json.dumps({"n": 0})}
    # b compiles (and caches) the bus's rules while it has none
    assert b.call("events", "PutEvents", {"Entries": [entry]}, account=ACCOUNT)["FailedEntryCount"] == 0
    a.call("events", "PutRule", {"Name": "r", "EventPattern": json.dumps({"source": ["test.workers"]})},
           account=ACCOUNT)
    a.call("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "q", "Arn": arn}]}, account=ACCOUNT)
    entry["Detail"] = json.dumps({"n": 1})
    assert b.call("events", "PutEvents", {"Entries": [entry]}, account=ACCOUNT)["FailedEntryCount"] == 0
    got = a.call("sqs", "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 20}, account=ACCOUNT)
    assert [json.loads(m["Body"])["detail"] for m in got["Messages"]] == [{"n": 1}]


def test_an_activity_worker_polling_one_worker_gets_a_task_started_in_the_other(group, pinned):
    a, b = pinned
    sfn = client("stepfunctions", group.url, account=ACCOUNT)
    activity = sfn.create_activity(name="work")["activityArn"]
    machine = sfn.create_state_machine(name="m", roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn", definition=json.dumps(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": activity, "End": True}}}))["stateMachineArn"]
    b.send("stepfunctions", "GetActivityTask", {"activityArn": activity}, account=ACCOUNT)
    got: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: got.append(b.answer()))
    reader.start()
    a.call("stepfunctions", "StartExecution", {"stateMachineArn": machine, "input": json.dumps({"n": 1})},
           account=ACCOUNT)
    reader.join()
    assert json.loads(got[0]["input"]) == {"n": 1}


def test_a_killed_worker_is_replaced(group):
    sqs = client("sqs", group.url, account=ACCOUNT)
    url = sqs.create_queue(QueueName="replaced")["QueueUrl"]
    before = worker_pids(group.proc.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    after = wait_until(lambda: (lambda now: now if len(now) == 2 and victim not in now else None)(
        worker_pids(group.proc.pid)), what="a new worker in the dead one's place")
    pinned = pin_workers(group.url, 2)  # the new worker serves too
    try:
        assert {p.process for p in pinned} == after
        assert _long_poll_gets_send(pinned[0], pinned[1], url, "after") == ["after"]
    finally:
        for p in pinned:
            p.close()


def test_a_second_server_is_refused_on_sqlite_and_joins_as_a_node_on_postgres(group, tmp_path):
    if not group.store_url.startswith("sqlite:"):  # PostgreSQL: any number of servers share a store
        second = ServerProcess(group.store_url, log_path=tmp_path / "second.log", extra_args=["--workers", "1"])
        second.start()
        try:
            sqs = client("sqs", second.url)
            url = sqs.create_queue(QueueName="second-node")["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="via the second server")
            got = client("sqs", group.url).receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
            assert [m["Body"] for m in got] == ["via the second server"]
        finally:
            second.stop()
        return
    out = subprocess.run([EVENTYARD, "serve", "--port", "0", "--store", group.store_url, "--workers", "2"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "already serving" in out.stderr


def test_one_worker_is_the_serve_process_itself(make_server):
    server = make_server(extra_args=["--workers", "1"])
    assert server.proc is not None
    connection = Pinned(server.url)
    connection.close()
    assert connection.process == server.proc.pid
    assert worker_pids(server.proc.pid) == set()


def test_sigterm_stops_every_worker(make_server):
    server = make_server(env={"EVENTYARD_WORKERS": "2"})  # the variable, as the flag above
    workers = worker_pids(server.proc.pid)
    assert len(workers) == 2
    assert server.proc is not None
    server.proc.terminate()
    assert server.proc.wait(timeout=60) == 0
    for pid in workers:
        wait_until(lambda: not os.path.exists(f"/proc/{pid}") or _zombie(pid), what=f"worker {pid} to end")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
