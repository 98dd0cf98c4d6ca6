"""boto3 clients pointed at a test server."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
RAW = Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False, read_timeout=30)


def client(service: str, url: str, *, account: str = "000000000000", region: str = "us-east-1",
           secret: str = "test", raw: bool = False, **kwargs: Any) -> Any:
    """A client; ``account`` is used as the access key id (dev mode maps 12 digits to the account)."""
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key=secret,
        config=RAW if raw else NO_RETRY,
        **kwargs,
    )
