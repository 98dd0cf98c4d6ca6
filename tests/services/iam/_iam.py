"""Helpers for IAM wire tests: a fresh account per test, documents, AWS's error triple."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client


def iam_client(server: Any) -> tuple[Any, str]:
    """An IAM client of a fresh account (IAM is per account: tests never meet)."""
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("iam", server.url, account=account), account


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    e = exc.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def policy_document(*actions: str, resource: str = "*", effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": list(actions), "Resource": resource}]})


def trust_policy(service: str = "lambda.amazonaws.com") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
