"""Queue URLs and ARNs.

A queue URL is ``{scheme://host the client used}/{account}/{name}``, AWS's own path, for
a queue in the caller's region: a request naming that form resolves in the caller's
region, so the URL round-trips. Tools read AWS's path: Terraform's provider takes the
queue name from a path of exactly two segments and refuses any other ("SQS Queue URL ...
is in the incorrect format"). On AWS the region is in the host; eventyard answers every
region on one host, so a queue of another region than the caller's is named with the
region in the path: ``/queue/{region}/{account}/{name}`` (localstack's "path" form). The
price of AWS's path: handed to a client of another region, the short URL names that
region's queue of the same name (AWS's host would keep naming the first); the
``/queue/{region}/`` form and AWS's own regional URLs name their region from any client.

A request may name a queue by any of: those two forms; AWS's own URLs (the region from
the host); or the bare queue name, as AWS accepts (the caller's account and region).
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
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
_AWS_HOST = re.compile(r"^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$|^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class QueueRef:
    account: str | None  # None: the caller's
    name: str
    region: str | None = None  # None: the caller's


def queue_url(ctx: RequestContext, region: str, account: str, name: str) -> str:
    if region == ctx.region:
        return f"{ctx.base_url}/{account}/{name}"
    return f"{ctx.base_url}/queue/{region}/{account}/{name}"


def queue_arn(region: str, account: str, name: str) -> str:
    return arns.build("sqs", region, account, name)


def parse_url(url: str) -> QueueRef:
    """The queue a QueueUrl names (any host)."""
    if "://" not in url and "/" not in url:
        return QueueRef(None, url)
    try:
        split = urlsplit(url) if "://" in url else None
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host
        raise ServiceError("InvalidAddress", f"The address {url} is not valid for this endpoint.") from None
    parts = [unquote(p) for p in (split.path if split else url).split("/") if p]
    if len(parts) < 2 or not _ACCOUNT.match(parts[-2]):
        raise errors.queue_not_found()
    region = None
    if len(parts) >= 3 and _REGION.match(parts[-3]):
        region = parts[-3]
    elif split is not None:
        aws = _AWS_HOST.match(split.hostname or "")
        if aws is not None:
            region = aws.group(1) or aws.group(3)
    return QueueRef(parts[-2], parts[-1], region)


def parse_arn(text: str) -> tuple[str, str, str] | None:
    """(region, account, name) of an SQS queue ARN, or None."""
    arn = arns.parse(text)
    if arn is None or arn.service != "sqs" or not arn.region or not _ACCOUNT.match(arn.account) or not arn.resource:
        return None
    return arn.region, arn.account, arn.resource
