"""Lambda's metrics on ``/metrics`` after real invocations through boto3: invocations,
errors, throttles and durations per function, concurrent executions while one runs, and
an SQS event source mapping's batch sizes and the age of the oldest message it saw."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from _clients import client
from _waiting import wait_until
from services.functions._functions import create, lam, new_account, zipped

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

FAILING = zipped({"app.py": "def handler(event, context):\n    raise ValueError('no')\n"})
WAITING = zipped({"app.py": (
    "import os, time\n"
    "def handler(event, context):\n"
    "    while not os.path.exists(event['until']):\n"
    "        time.sleep(0.01)\n"
    "    return 'done'\n")})


def scrape(server: Any) -> Samples:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_invocations_errors_throttles_durations_and_concurrency(server: Any, tmp_path: Path) -> None:
    account = new_account()
    c = lam(server, account)
    ok = create(c, "counted")["FunctionArn"]
    failing = create(c, "failing", FAILING)["FunctionArn"]
    throttled = create(c, "throttled")["FunctionArn"]
    waiting = create(c, "waiting", WAITING, Timeout=60)["FunctionArn"]
    for _ in range(2):
        assert "FunctionError" not in c.invoke(FunctionName="counted", Payload=b"{}")
    assert c.invoke(FunctionName="failing", Payload=b"{}")["FunctionError"] == "Unhandled"
    c.put_function_concurrency(FunctionName="throttled", ReservedConcurrentExecutions=0)
    refused = {"service": "lambda", "operation": "Invoke", "status": "429"}
    before = sample(scrape(server), "eventyard_api_request_seconds_count", **refused) or 0
    with pytest.raises(ClientError) as exc:
        c.invoke(FunctionName="throttled", Payload=b"{}")
    assert exc.value.response["Error"]["Code"] == "TooManyRequestsException"
    # botocore retries a throttled Invoke on its own: every 429 the API answered is a throttle
    throttles = (sample(scrape(server), "eventyard_api_request_seconds_count", **refused) or 0) - before
    assert throttles >= 1

    metrics = scrape(server)
    assert sample(metrics, "eventyard_lambda_invocations_total", function=ok) == 2
    assert sample(metrics, "eventyard_lambda_duration_seconds_count", function=ok) == 2
    assert (sample(metrics, "eventyard_lambda_duration_seconds_sum", function=ok) or 0) > 0
    assert sample(metrics, "eventyard_lambda_errors_total", function=ok) is None
    assert sample(metrics, "eventyard_lambda_invocations_total", function=failing) == 1
    assert sample(metrics, "eventyard_lambda_errors_total", function=failing) == 1
    assert sample(metrics, "eventyard_lambda_throttles_total", function=throttled) == throttles
    assert sample(metrics, "eventyard_lambda_invocations_total", function=throttled) is None  # as CloudWatch counts

    until = tmp_path / "release"
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(
        lam(server, account).invoke(FunctionName="waiting", Payload=f'{{"until": "{until}"}}')))
    caller.start()
    try:
        wait_until(lambda: sample(scrape(server), "eventyard_lambda_concurrent_executions", function=waiting) == 1,
                   what="one concurrent execution of the waiting function")
    finally:
        until.write_text("go")
        caller.join(120)
    assert answers and answers[0]["Payload"].read() == b'"done"'
    assert sample(scrape(server), "eventyard_lambda_concurrent_executions", function=waiting) == 0


def test_sqs_mapping_batch_sizes_and_oldest_message_age(server: Any) -> None:
    account = new_account()
    c = lam(server, account)
    fn = create(c, "consumer")["FunctionArn"]
    sqs = client("sqs", server.url, account=account)
    url = sqs.create_queue(QueueName="mapped")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    mapping = c.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=10)
    label = mapping["EventSourceMappingArn"]

    def drained() -> bool:
        depths = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (depths["ApproximateNumberOfMessages"], depths["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")

    wait_until(drained, what="the mapping to drain the queue")
    metrics = scrape(server)
    assert sample(metrics, "eventyard_lambda_event_source_mapping_batch_size_sum", mapping=label) == 3
    assert (sample(metrics, "eventyard_lambda_event_source_mapping_batch_size_count", mapping=label) or 0) >= 1
    age = sample(metrics, "eventyard_lambda_event_source_mapping_oldest_message_age_seconds", mapping=label)
    assert age is not None and age >= 0
    assert (sample(metrics, "eventyard_lambda_invocations_total", function=fn) or 0) >= 1
