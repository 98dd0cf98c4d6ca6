"""Helpers for SNS wire tests: a fresh account per test, queues, receiving, signatures."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from _clients import client
from _waiting import PATIENCE


def clients(server: Any) -> tuple[Any, Any, str]:
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("sns", server.url, account=account), client("sqs", server.url, account=account), account


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive(sqs: Any, url: str, want: int, wait: float = PATIENCE, **kw: Any) -> list[dict[str, Any]]:
    """Messages until ``want`` arrived or ``wait`` seconds passed (deleted as they come)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while len(got) < want and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kw).get("Messages", [])
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got.extend(batch)
    return got


def nothing_in(sqs: Any, url: str, seconds: float = 1.5) -> bool:
    return not receive(sqs, url, 1, wait=seconds)


def canonical(message: dict[str, Any]) -> str:
    if message["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{message[k]}\n" for k in keys if k in message)


def verify_signature(message: dict[str, Any]) -> None:
    """Verify as an SNS subscriber does: fetch the certificate at SigningCertURL and check
    the signature over the canonical string (SHA1 for version 1, SHA256 for 2)."""
    pem = httpx.get(message["SigningCertURL"], timeout=10)
    assert pem.status_code == 200, pem.text
    cert = x509.load_pem_x509_certificate(pem.content)
    algorithm = hashes.SHA256() if message["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(message["Signature"]), canonical(message).encode(),  # type: ignore[union-attr]
                             padding.PKCS1v15(), algorithm)  # type: ignore[call-arg]


def body(m: dict[str, Any]) -> dict[str, Any]:
    return json.loads(m["Body"])
