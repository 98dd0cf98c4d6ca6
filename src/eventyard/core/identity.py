"""Who is calling and where: account, region, request id."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eventyard.core.ids import request_id

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")


def account_for_access_key(access_key: str | None) -> str:
    """Dev mode: a 12-digit access key id names the account, as emulators do."""
    if access_key and _ACCOUNT_RE.match(access_key):
        return access_key
    return DEFAULT_ACCOUNT


@dataclass(frozen=True)
class RequestContext:
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    request_id: str = field(default_factory=request_id)
    access_key: str | None = None
    # scheme://host[:port] the client used; queue and subscription URLs are built from it
    base_url: str = "http://localhost:4566"
    # the X-Ray header the client sent (X-Amzn-Trace-Id); SQS keeps it as AWSTraceHeader
    trace_header: str | None = None
    # the AWS operation being served (None for in-process work); access checks need it
    operation: str | None = None
    # who signed (api.auth.Caller's): a user's, an assumed role session's or the root's
    # ARN; None for in-process work (the account's root)
    principal_arn: str | None = None
    # an assumed role session's policy (AssumeRole's Policy): it limits the session
    session_policy: str | None = None
