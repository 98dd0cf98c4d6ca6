"""kill -9 the server while an SQS event source mapping's handler is in the middle of
its batches: after a restart every message is processed at least once or, where the
handler reports it failed (``ReportBatchItemFailures``), moved to the dead-letter queue
by the queue's redrive policy; none is lost and none is deleted unprocessed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _clients import client
from _waiting import wait_until
from services.functions._functions import create, zipped

pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

# Logs each record it starts on, waits at the gate (the test kills the server meanwhile),
# then fails the records asking for it and logs the others as done. A worker whose server
# died exits instead: its answer would reach no one, as on a crashed host.
GATED_CONSUMER = zipped({"app.py": """
import json, os, time
SERVER = os.getppid()

def handler(event, context):
    bodies = [json.loads(r["body"]) for r in event["Records"]]
    log, gate = bodies[0]["log"], bodies[0]["gate"]
    with open(log, "a") as f:
        f.write("".join("start " + b["key"] + "\\n" for b in bodies))
    while os.getppid() == SERVER and not os.path.exists(gate):
        time.sleep(0.02)
    if os.getppid() != SERVER:
        os._exit(1)
    failures = [{"itemIdentifier": r["messageId"]} for r, b in zip(event["Records"], bodies) if b["fail"]]
    with open(log, "a") as f:
        f.write("".join("done " + b["key"] + "\\n" for b in bodies if not b["fail"]))
    return {"batchItemFailures": failures}
"""})

MESSAGES = 60
FAILING = {f"m{i}" for i in range(0, MESSAGES, 10)}  # 6 of them always fail


def _lines(path: Path, kind: str) -> set[str]:
    if not path.exists():
        return set()
    return {line.split(" ", 1)[1] for line in path.read_text().splitlines() if line.startswith(kind + " ")}


def test_a_mappings_batches_survive_kill9_mid_batch(restartable_server: Any, tmp_path: Path) -> None:
    server = restartable_server
    account = "123456789019"
    sqs = client("sqs", server.url, account=account)
    lam = client("lambda", server.url, account=account)
    dlq = sqs.create_queue(QueueName="consumer-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="orders", Attributes={
        "VisibilityTimeout": "10",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    log, gate = tmp_path / "handled.log", tmp_path / "gate"
    for start in range(0, MESSAGES, 10):
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": json.dumps({
            "key": f"m{i}", "fail": f"m{i}" in FAILING, "log": str(log), "gate": str(gate)})}
            for i in range(start, start + 10)])
    create(lam, "consumer", GATED_CONSUMER, Timeout=10)
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="consumer", BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    wait_until(lambda: _lines(log, "start"), what="a batch in the handler")
    server.kill()  # with the batch (and whatever else the pollers took) in flight
    assert not _lines(log, "done")
    gate.write_text("open")
    server.start()

    expected_done = {f"m{i}" for i in range(MESSAGES)} - FAILING
    wait_until(lambda: _lines(log, "done") >= expected_done, timeout=180, what="every message processed")
    dead: dict[str, dict[str, Any]] = {}

    def dead_lettered() -> bool:
        for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     AttributeNames=["All"]).get("Messages", []):
            dead[json.loads(m["Body"])["key"]] = m
        return set(dead) >= FAILING

    wait_until(dead_lettered, timeout=180, what="the failing messages in the dead-letter queue")
    assert set(dead) == FAILING  # nothing processed went there
    assert not _lines(log, "done") & FAILING
    # moved once received maxReceiveCount times (the count goes on in the dead-letter queue)
    assert all(int(m["Attributes"]["ApproximateReceiveCount"]) >= 3 for m in dead.values()), \
        {k: m["Attributes"]["ApproximateReceiveCount"] for k, m in dead.items()}
    wait_until(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0", what="the queue drained")
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
