"""Delivery to API destinations (target kind ``api-destination``): one HTTP call per event.

The request:

- method and endpoint of the API destination; each ``*`` in the endpoint is replaced, in
  order, by the target's ``HttpParameters.PathParameterValues``;
- headers and query string: the target's ``HeaderParameters`` / ``QueryStringParameters``
  merged with the connection's ``InvocationHttpParameters``, the connection's values
  taking precedence (AWS's rule); a target value ``$.path`` is taken from the event;
  headers AWS removes (Host, Content-Length, User-Agent ...) are dropped from both;
- the connection's authorization (``_http_auth``) and AWS's fixed headers
  (``User-Agent: Amazon/EventBridge/ApiDestinations``, ``Range``, ``Content-Type`` ...);
- body: what the target's Input / InputPath / InputTransformer made of the event, with the
  connection's ``BodyParameters`` added when it is a JSON object (not sent for GET/HEAD).

Outcome, as AWS documents it: 2xx delivered; 401, 407, 409, 429 and 5xx, timeouts (5 s)
and connection failures are retried under the target's RetryPolicy; any other status is
not retried (straight to the dead-letter queue). A 401 or 407 also drops a cached OAuth
token so the retry fetches a new one. ``Retry-After`` (seconds or a date) delays the next
attempt when it asks for longer than the backoff; a negative one stops retries.
Calls go out through the node's shared outbound HTTP (``runtime.http``), paced per
destination at its ``InvocationRateLimitPerSecond`` on this node, and never block other
deliveries: a call that would wait too long for its slot is retried as throttled.
"""

from __future__ import annotations

import asyncio
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
import structlog

from eventyard.core import clock, jsondoc
from eventyard.core.transform import parse_path
from eventyard.core.transform._jsonpath import MISSING
from eventyard.runtime.delivery import Failure
from eventyard.runtime.http import OutboundHttp
from eventyard.services.events._http_auth import AuthorizationFailed, TokenCache, parameters, static_headers
from eventyard.services.events.connections import AUTHORIZING
from eventyard.store import Store
from eventyard.store.api_destinations import ApiDestinationRecord
from eventyard.store.connections import ConnectionRecord
from eventyard.store.deliveries import DeliveryRecord

log = structlog.get_logger("eventyard.events")

TIMEOUT_SECONDS = 5.0  # AWS's client execution timeout for API destinations
RETRIED_STATUSES = frozenset({401, 407, 409, 429})
PREFIX = "Unable to invoke ApiDestination endpoint: "
FIXED_HEADERS = {"User-Agent": "Amazon/EventBridge/ApiDestinations", "Range": "bytes=0-1048575",
                 "Accept-Encoding": "gzip,deflate", "Connection": "close"}
NO_BODY = frozenset({"GET", "HEAD"})
# Headers EventBridge drops from the connection's and the target's parameters (AWS's list):
# the transport's own, and those it sets itself.
REMOVED_HEADERS = frozenset({
    "a-im", "accept-charset", "accept-datetime", "accept-encoding", "cache-control", "connection",
    "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from", "host",
    "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
    "max-forwards", "origin", "pragma", "proxy-authorization", "range", "referer", "te", "trailer",
    "transfer-encoding", "user-agent", "upgrade", "via", "warning",
})


def _dynamic(value: str, event: dict[str, Any]) -> str:
    """A target parameter value: itself, or the event's value at a ``$.`` path."""
    if not value.startswith("$."):
        return value
    path = parse_path(value)
    if path is None:
        return value
    found = path.select(event)
    if found is MISSING:
        return ""
    return found if isinstance(found, str) else jsondoc.dumps(found)


def build_request(destination: ApiDestinationRecord, connection: ConnectionRecord, http: dict[str, Any] | None,
                  event: dict[str, Any], body: str) -> tuple[str, str, dict[str, str], bytes | None]:
    """(method, url, headers, body) of one invocation, before authorization headers."""
    http = http or {}
    invocation = (connection.auth or {}).get("InvocationHttpParameters")
    endpoint = destination.endpoint
    for value in http.get("PathParameterValues") or []:
        if "*" not in endpoint:
            break
        endpoint = endpoint.replace("*", _dynamic(value, event), 1)
    scheme, netloc, path, query, fragment = urlsplit(endpoint)
    pairs = parse_qsl(query, keep_blank_values=True)
    merged = {k: _dynamic(v, event) for k, v in (http.get("QueryStringParameters") or {}).items()}
    merged.update(parameters(invocation, "QueryStringParameters"))
    pairs = [(k, v) for k, v in pairs if k not in merged] + list(merged.items())
    url = urlunsplit((scheme, netloc, path, urlencode(pairs), fragment))

    headers: dict[str, str] = {"Content-Type": "application/json; charset=utf-8"}
    _set_headers(headers, _allowed({k: _dynamic(v, event) for k, v in (http.get("HeaderParameters") or {}).items()}))
    _set_headers(headers, _allowed(dict(parameters(invocation, "HeaderParameters"))))

    content: bytes | None = None
    method = destination.http_method.upper()
    if method not in NO_BODY:
        extra = parameters(invocation, "BodyParameters")
        if extra:
            try:
                document = jsondoc.loads(body)
            except ValueError:
                document = None
            if isinstance(document, dict):
                document.update(extra)
                body = jsondoc.dumps(document)
        content = body.encode("utf-8")
    return method, url, headers, content


def _allowed(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in REMOVED_HEADERS}


def _set_headers(headers: dict[str, str], extra: dict[str, str]) -> None:
    """Header names are case-insensitive: a later value replaces an earlier one."""
    for key, value in extra.items():
        for existing in [k for k in headers if k.lower() == key.lower()]:
            del headers[existing]
        headers[key] = value


def retry_after_ms(value: str | None, now: float) -> int | None:
    """An HTTP ``Retry-After`` (seconds, or an HTTP date) in milliseconds from ``now``
    (epoch seconds); negative when the target asks for no more retries; None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return int(value) * 1000
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0, int((moment.timestamp() - now) * 1000))


class ApiDestinationDeliverer:
    """Kind ``api-destination``: ``record.target`` holds ``arn`` (the API destination) and
    ``http`` (the target's HttpParameters); ``payload["body"]`` is what is sent and
    ``payload["context"]["event"]`` the event that dynamic parameters read."""

    def __init__(self, store: Store, tokens: TokenCache, on_authorized: Callable[[str], Awaitable[None]],
                 http: OutboundHttp | None = None, *,
                 with_secrets: Callable[[Any, ConnectionRecord], ConnectionRecord] = lambda s, record: record) -> None:
        self.store = store
        self.with_secrets = with_secrets  # a stored connection with its secret's values
        self.tokens = tokens  # shared with the connection operations, which fetch the first token
        self.on_authorized = on_authorized  # a token arrived for an AUTHORIZING connection
        self.http = http or OutboundHttp()
        self.pacer = self.http.pacer

    def client(self) -> httpx.AsyncClient:
        """The node's shared outbound client (certificates checked, no proxies)."""
        return self.http.client(verify=True)

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        arn = record.target["arn"]

        def read(s: Any) -> tuple[ApiDestinationRecord | None, ConnectionRecord | None]:
            destination = s.api_destinations.by_arn(arn)
            connection = s.connections.by_arn(destination.connection_arn) if destination is not None else None
            return destination, (self.with_secrets(s, connection) if connection is not None else None)

        destination, connection = await self.store.read(read)
        if destination is None:
            return Failure("NO_RESOURCE", f"ApiDestination {arn} does not exist.", retryable=False)
        if connection is None:
            return Failure("NO_RESOURCE", f"Connection {destination.connection_arn} does not exist.", retryable=False)
        if connection.state not in ("AUTHORIZED", AUTHORIZING) or connection.auth is None:
            return Failure("SDK_CLIENT_ERROR", PREFIX + f"The connection {connection.name} is {connection.state}.",
                           retryable=False)

        wait = self.pacer.reserve(arn, destination.rate_limit)
        if wait is None:
            return Failure("THROTTLING", PREFIX + "The invocation rate limit of the API destination was reached.")
        if wait > 0:
            await asyncio.sleep(wait)

        client = self.client()
        method, url, headers, content = build_request(destination, connection, record.target.get("http"),
                                                      record.payload["context"]["event"], record.payload["body"])
        oauth = connection.authorization_type == "OAUTH_CLIENT_CREDENTIALS"
        if oauth:
            try:
                token = await self.tokens.token(connection, client)
            except AuthorizationFailed as err:
                return Failure("SDK_CLIENT_ERROR", PREFIX + f"Unable to authorize the connection: {err}")
            if connection.state == AUTHORIZING:
                await self.on_authorized(connection.arn)
            _set_headers(headers, {"Authorization": f"Bearer {token}"})
        else:
            _set_headers(headers, static_headers(connection))
        _set_headers(headers, FIXED_HEADERS)

        try:
            async with client.stream(method, url, headers=headers, content=content,
                                     timeout=TIMEOUT_SECONDS) as response:
                status = response.status_code
                wait_ms = retry_after_ms(response.headers.get("Retry-After"), clock.epoch())
        except httpx.TimeoutException:
            return Failure("UNKNOWN", PREFIX + "Timeout calling endpoint for API Destination.")
        except httpx.HTTPError:
            return Failure("SDK_CLIENT_ERROR", PREFIX + "API destination endpoint cannot be reached.")
        if 200 <= status < 300:
            return None
        if oauth and status in (401, 407):
            self.tokens.forget(connection.arn)
        retryable = (status in RETRIED_STATUSES or status >= 500) and not (wait_ms is not None and wait_ms < 0)
        return Failure("SDK_CLIENT_ERROR", PREFIX + f"The endpoint answered with HTTP status {status}.",
                       retryable=retryable, retry_after_ms=wait_ms if retryable else None)
