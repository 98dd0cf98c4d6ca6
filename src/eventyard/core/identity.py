"""Who is calling and where: account, region, request id, principal."""

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


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@dataclass(frozen=True)
class Identity:
    """A principal as STS reports it (``GetCallerIdentity``) and policies name it.

    kind: ``root`` (an account's own credentials), ``user`` (an IAM user's access key or
    its GetSessionToken session), ``assumed-role`` (a role session).
    """

    account: str
    kind: str
    arn: str
    principal_id: str  # GetCallerIdentity's UserId: the account, AIDA..., or AROA...:session
    name: str | None = None  # the user's or the role's name
    role_arn: str | None = None  # assumed-role: the role's own ARN (with its path)
    session_name: str | None = None
    session_policy: str | None = None  # AssumeRole's Policy, which narrows the session
    session_tags: tuple[tuple[str, str], ...] = ()  # AssumeRole's Tags (aws:PrincipalTag/...)

    @classmethod
    def root(cls, account: str) -> "Identity":
        return cls(account, "root", root_arn(account), account)


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
    # who signed the request (None for in-process work, acting as the account's root)
    principal_arn: str | None = None
    principal_id: str | None = None  # GetCallerIdentity's UserId
    # an assumed role session's policy (AssumeRole's Policy): it limits the session
    session_policy: str | None = None
