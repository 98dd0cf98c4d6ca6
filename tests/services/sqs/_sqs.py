"""Helpers for the SQS wire tests: a fresh account per test keeps tests independent."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client


def account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def sqs(server: Any, **kw: Any) -> Any:
    kw.setdefault("account", account())
    return client("sqs", server.url, **kw)


def error(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The ``Error`` of a call that must fail, plus its HTTP status as ``Status``."""
    with pytest.raises(ClientError) as exc:
        call(*args, **kwargs)
    return {**exc.value.response["Error"], "Status": exc.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def receive(c: Any, url: str, **kw: Any) -> list[dict[str, Any]]:
    return list(c.receive_message(QueueUrl=url, **kw).get("Messages", []))


def bodies(messages: list[dict[str, Any]]) -> list[str]:
    return [m["Body"] for m in messages]
