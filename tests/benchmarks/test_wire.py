"""The benchmarks' cheap load client (benchmarks/wire.py) against a real eventyard server:
requests serialized once by botocore and replayed with their strings patched must carry
each call's own bodies, ids, deduplication ids and receipt handles; answers and errors
read like boto3's. Also the delivery checker the SQS workload reports lost, duplicate and
out-of-order messages with, and the table's CPU ratio to the best peer. No timing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _clients import client as boto3_client
from _server import ServerProcess
from _stores import sqlite_url
from benchmarks.clients import error_kind
from benchmarks.tables import Result, cpu_ratios, format_table
from benchmarks.wire import CheapClient, Connection, WireError
from benchmarks.workloads.sqs import check_deliveries

# strings that JSON escaping and percent-encoding must carry intact
AWKWARD = 'é "quoted" & <tag> + = % \\ \n tab\t ünï ✓'


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("store")
    proc = ServerProcess(sqlite_url(store), log_path=tmp_path_factory.mktemp("log") / "server.log").start()
    yield proc.url
    proc.stop()


def _drain(sqs: Any, url: str, expected: int) -> list[dict[str, Any]]:
    """Receive (and delete) with boto3 until ``expected`` messages came or a poll came back empty."""
    got: list[dict[str, Any]] = []
    while len(got) < expected:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            break
        got += messages
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return got


def test_patched_send_message_batch_carries_each_calls_bodies(endpoint: str) -> None:
    cheap = CheapClient("sqs", endpoint)
    url = cheap.create_queue(QueueName="wire-standard")["QueueUrl"]
    sent = []
    for call in range(3):
        entries = [{"Id": f"e{i}", "MessageBody": f"{call}:{i}:{AWKWARD}"} for i in range(10)]
        answer = cheap.send_message_batch(QueueUrl=url, Entries=entries)
        assert sorted(s["Id"] for s in answer["Successful"]) == sorted(e["Id"] for e in entries)
        assert not answer.get("Failed")
        sent += [e["MessageBody"] for e in entries]
    # one template for the three calls of the same shape: the bodies were patched in
    assert sum(1 for op, _ in cheap._templates if op == "SendMessageBatch") == 1
    got = _drain(boto3_client("sqs", endpoint), url, len(sent))
    assert sorted(m["Body"] for m in got) == sorted(sent)


def test_fifo_deduplication_ids_and_groups_are_patched(endpoint: str) -> None:
    cheap = CheapClient("sqs", endpoint)
    url = cheap.create_queue(QueueName="wire-order.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    def batch(first: int) -> list[dict[str, str]]:
        return [{"Id": str(n), "MessageBody": f"m{n}", "MessageGroupId": f"g{n % 3}",
                 "MessageDeduplicationId": f"d{n}"} for n in range(first, first + 10)]

    assert len(cheap.send_message_batch(QueueUrl=url, Entries=batch(0))["Successful"]) == 10
    assert len(cheap.send_message_batch(QueueUrl=url, Entries=batch(10))["Successful"]) == 10
    # the first batch again: same deduplication ids, so nothing new is queued
    assert len(cheap.send_message_batch(QueueUrl=url, Entries=batch(0))["Successful"]) == 10
    got = _drain(boto3_client("sqs", endpoint), url, 21)
    bodies = [m["Body"] for m in got]
    assert sorted(bodies) == sorted(f"m{n}" for n in range(20))
    for group in range(3):  # each group in send order
        mine = [int(b[1:]) for b in bodies if int(b[1:]) % 3 == group]
        assert mine == sorted(mine)


def test_receipt_handles_are_patched_into_deletes(endpoint: str) -> None:
    cheap = CheapClient("sqs", endpoint)
    url = cheap.create_queue(QueueName="wire-delete")["QueueUrl"]
    cheap.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"b{i}"} for i in range(10)])
    seen = 0
    while seen < 10:
        messages = cheap.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        seen += len(messages)
        answer = cheap.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        assert len(answer["Successful"]) == len(messages) and not answer.get("Failed")
    attributes = boto3_client("sqs", endpoint).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_query_protocol_publish_batch_is_patched_and_parsed(endpoint: str) -> None:
    sqs = boto3_client("sqs", endpoint)
    url = sqs.create_queue(QueueName="wire-sns")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cheap = CheapClient("sns", endpoint)
    topic = cheap.create_topic(Name="wire-topic")["TopicArn"]
    cheap.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sent = []
    for call in range(2):
        entries = [{"Id": f"p{i}", "Message": f"{call}-{i} {AWKWARD}",
                    "MessageAttributes": {"color": {"DataType": "String", "StringValue": f"c{call}{i}"}}}
                   for i in range(5)]
        answer = cheap.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        assert sorted(s["Id"] for s in answer["Successful"]) == [f"p{i}" for i in range(5)]
        assert all(s["MessageId"] for s in answer["Successful"]) and answer["Failed"] == []
        sent += [(e["Message"], e["MessageAttributes"]["color"]["StringValue"]) for e in entries]
    got = _drain(sqs, url, len(sent))
    assert sorted((m["Body"], m["MessageAttributes"]["color"]["StringValue"]) for m in got) == sorted(sent)


def test_errors_read_like_boto3s(endpoint: str) -> None:
    sqs = CheapClient("sqs", endpoint)
    with pytest.raises(WireError) as raised:
        sqs.send_message(QueueUrl=f"{endpoint}/000000000000/no-such-queue", MessageBody="x")
    assert error_kind(raised.value) == "AWS.SimpleQueueService.NonExistentQueue"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(WireError) as raised:
        CheapClient("sns", endpoint).publish(TopicArn="arn:aws:sns:us-east-1:000000000000:nope", Message="x")
    assert error_kind(raised.value) == "NotFound"
    with pytest.raises(WireError) as raised:
        CheapClient("lambda", endpoint).invoke(FunctionName="no-such-function", Payload=b"{}")
    assert error_kind(raised.value) == "ResourceNotFoundException"


# -- the connection: chunked answers, keep-alive, a connection closed while idle ---------------
def test_connection_reads_chunked_and_sized_answers_and_reopens_a_closed_connection() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[int] = []

    def serve() -> None:
        for answers in ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                         b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"],
                        [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nagain"]):
            conn, _ = listener.accept()
            accepted.append(1)
            with conn:
                for answer in answers:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(4096)
                    conn.sendall(answer)
            # the first connection closes after two answers: the client's third request
            # finds it closed and is sent again on a new one

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = Connection("127.0.0.1", port, timeout=10)
    request = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
    assert client.exchange(request)[::2] == (200, b"abcde")
    status, headers, body = client.exchange(request)
    assert (status, headers["content-length"], body) == (404, "2", b"no")
    assert client.exchange(request)[::2] == (200, b"again")
    assert client.sock is None  # Connection: close honoured
    thread.join(timeout=10)
    listener.close()
    assert len(accepted) == 2


# -- what the workloads compute from the deliveries ---------------------------------------
def test_delivery_check_flags_loss_duplicates_and_fifo_disorder() -> None:
    sent = {(0, n) for n in range(6)}
    # (producer, n, group, receive time, position in the answer)
    clean = [(0, n, n % 2, float(n), 0) for n in range(6)]
    assert check_deliveries(sent, clean, fifo=True) == {"lost": 0, "dup": 0, "order viol": 0}
    lost_one = [r for r in clean if r[1] != 3]
    assert check_deliveries(sent, lost_one, fifo=True)["lost"] == 1
    twice = clean + [(0, 2, 0, 9.0, 0)]
    assert check_deliveries(sent, twice, fifo=True) == {"lost": 0, "dup": 1, "order viol": 0}
    # message 4 of group 0 received before message 2 of the same group
    swapped = [(0, 0, 0, 0.0, 0), (0, 4, 0, 1.0, 0), (0, 2, 0, 2.0, 0), (0, 1, 1, 0.5, 0), (0, 3, 1, 1.5, 0),
               (0, 5, 1, 2.5, 0)]
    assert check_deliveries(sent, swapped, fifo=True)["order viol"] == 1
    assert check_deliveries(sent, swapped, fifo=False)["order viol"] is None


def test_cpu_columns_show_the_ratio_to_the_best_peer() -> None:
    rows = [Result("eventyard standard", extra={"CPU us/sent": 50.0}),
            Result("eventyard fifo", extra={"CPU us/sent": 80.0}),
            Result("moto standard", extra={"CPU us/sent": 1000.0}),
            Result("ministack standard", extra={"CPU us/sent": 200.0}),
            Result("ministack fifo", extra={"CPU us/sent": None})]
    ratios = cpu_ratios(rows, ["CPU us/sent"], peers=("moto", "ministack"))
    assert ratios == {(0, "CPU us/sent"): 0.25, (2, "CPU us/sent"): 5.0, (3, "CPU us/sent"): 1.0}
    table = format_table("header", rows, ["CPU us/sent"], peers=("moto", "ministack"))
    assert "50.00 (0.25x)" in table and "80.00\n" in table + "\n"
