"""Queue URLs and ARNs.

A queue URL is ``{scheme://host the client used}/{account}/{name}``; any host is
accepted in a request, only the path names the queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from eventyard.core import arns
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.sqs import errors

_ACCOUNT = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class QueueRef:
    account: str
    name: str


def queue_url(ctx: RequestContext, account: str, name: str) -> str:
    return f"{ctx.base_url}/{account}/{name}"


def queue_arn(region: str, account: str, name: str) -> str:
    return arns.build("sqs", region, account, name)


def parse_url(url: str) -> QueueRef:
    """The account and name a queue URL points at (any host)."""
    try:
        path = urlsplit(url).path if "://" in url else url
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host
        raise ServiceError("InvalidAddress", f"The address {url} is not valid for this endpoint.") from None
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) < 2 or not _ACCOUNT.match(parts[-2]):
        if "://" not in url and "/" not in url:
            raise ServiceError("InvalidAddress", f"The address {url} is not valid for this endpoint.")
        raise errors.queue_not_found()
    return QueueRef(parts[-2], parts[-1])


def parse_arn(text: str) -> tuple[str, str, str] | None:
    """(region, account, name) of an SQS queue ARN, or None."""
    arn = arns.parse(text)
    if arn is None or arn.service != "sqs" or not arn.region or not _ACCOUNT.match(arn.account) or not arn.resource:
        return None
    return arn.region, arn.account, arn.resource
