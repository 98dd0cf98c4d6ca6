"""``/metrics`` after real operations: API requests by service, operation and status
with their latency, SQS queue depths (visible, in flight, delayed, dead-letter queues)
and SNS publishes and deliveries."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import httpx
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from _clients import client

ACCOUNT = "424242424242"


def scrape(server: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_requests_are_counted_by_operation_and_status_with_latency(server):
    sqs = client("sqs", server.url, account=ACCOUNT)
    before = scrape(server)
    sqs.create_queue(QueueName="counted")
    with pytest.raises(ClientError):
        sqs.get_queue_url(QueueName="not-there")
    after = scrape(server)

    def grew(operation: str, status: str) -> float:
        labels = {"service": "sqs", "operation": operation, "status": status}
        return ((sample(after, "eventyard_api_request_seconds_count", **labels) or 0)
                - (sample(before, "eventyard_api_request_seconds_count", **labels) or 0))

    assert grew("CreateQueue", "200") == 1
    assert grew("GetQueueUrl", "400") == 1
    assert (sample(after, "eventyard_api_request_seconds_sum", service="sqs", operation="CreateQueue",
                   status="200") or 0) > 0


def test_queue_depths_in_flight_delayed_and_dead_letter_queues(server):
    sqs = client("sqs", server.url, account=ACCOUNT)
    dlq_url = sqs.create_queue(QueueName="depth-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:depth-dlq"
    url = sqs.create_queue(QueueName="depth", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:depth"
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
    assert len(got) == 1
    sqs.send_message(QueueUrl=dlq_url, MessageBody="dead")

    metrics = scrape(server)
    assert sample(metrics, "eventyard_sqs_messages_visible", queue=arn) == 2
    assert sample(metrics, "eventyard_sqs_messages_in_flight", queue=arn) == 1
    assert sample(metrics, "eventyard_sqs_messages_delayed", queue=arn) == 1
    assert sample(metrics, "eventyard_sqs_dead_letter_queue_messages", queue=dlq_arn) == 1
    assert sample(metrics, "eventyard_sqs_dead_letter_queue_messages", queue=arn) is None  # not a DLQ

    sqs.purge_queue(QueueUrl=url)
    assert sample(scrape(server), "eventyard_sqs_messages_visible", queue=arn) == 0


def test_sns_publishes_and_deliveries_per_topic(server):
    sns = client("sns", server.url, account=ACCOUNT)
    sqs = client("sqs", server.url, account=ACCOUNT)
    topic = sns.create_topic(Name="counted")["TopicArn"]
    for name in ("fanned", "fanned-too"):
        sqs.create_queue(QueueName=name)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
    sns.publish(TopicArn=topic, Message="one")
    sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a", "Message": "two"},
                                                                  {"Id": "b", "Message": "three"}])
    metrics = scrape(server)
    assert sample(metrics, "eventyard_sns_messages_published_total", topic=topic) == 3
    assert sample(metrics, "eventyard_sns_notifications_delivered_total", topic=topic, protocol="sqs") == 6
    assert sample(metrics, "eventyard_sqs_messages_visible", queue=f"arn:aws:sqs:us-east-1:{ACCOUNT}:fanned") == 3



class _Subscriber:
    """An HTTP subscriber that confirms its subscription, then answers every notification
    with ``status``; remembers the notifications' statuses."""

    def __init__(self, status: int) -> None:
        self.answered: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                answer = 200
                if message.get("Type") == "SubscriptionConfirmation":
                    httpx.get(message["SubscribeURL"], timeout=10)
                else:
                    answer = status
                    outer.answered.append(status)
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _until(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sns_http_deliveries_and_failures_per_topic(server):
    sns = client("sns", server.url, account=ACCOUNT)
    topic = sns.create_topic(Name="web")["TopicArn"]
    no_retries = json.dumps({"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 0}})
    healthy, broken = _Subscriber(200), _Subscriber(500)
    try:
        for subscriber in (healthy, broken):
            arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=subscriber.url, ReturnSubscriptionArn=True,
                                Attributes={"DeliveryPolicy": no_retries})["SubscriptionArn"]
            assert _until(lambda: sns.get_subscription_attributes(SubscriptionArn=arn)
                          ["Attributes"]["PendingConfirmation"] == "false")
        sns.publish(TopicArn=topic, Message="hello")

        def counted() -> bool:
            metrics = scrape(server)
            return (sample(metrics, "eventyard_sns_notifications_delivered_total", topic=topic, protocol="http") == 1
                    and sample(metrics, "eventyard_sns_notifications_failed_total", topic=topic, protocol="http") == 1)

        assert _until(counted)
        assert healthy.answered == [200] and broken.answered == [500]
    finally:
        healthy.close()
        broken.close()
