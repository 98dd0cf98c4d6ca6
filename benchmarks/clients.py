"""boto3 clients for the load, and how their failures are counted."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"


def make_client(service: str, endpoint: str, *, timeout: float = 10.0, inject_host_prefix: bool = True) -> Any:
    """A boto3 client with its own session (sessions are not thread-safe).

    One attempt per call (no retries), so errors are counted rather than
    hidden behind retry back-off. ``inject_host_prefix=False`` for operations whose
    model adds a host prefix (StartSyncExecution's ``sync-``), which 127.0.0.1 cannot take.
    """
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION,
    )
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=timeout, read_timeout=timeout, max_pool_connections=4,
        inject_host_prefix=inject_host_prefix,
    )
    return session.client(service, endpoint_url=endpoint, config=config)


def error_kind(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__
