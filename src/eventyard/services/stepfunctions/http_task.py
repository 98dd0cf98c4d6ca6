"""The HTTP task (``arn:aws:states:::http:invoke``): one HTTPS call authorized by an
EventBridge connection, as AWS's "Call HTTPS APIs" describes it.

The request (``Parameters`` or ``Arguments``):

- ``ApiEndpoint`` and ``Method`` (GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD);
  ``Authentication.ConnectionArn``, the connection whose authorization and
  ``InvocationHttpParameters`` apply;
- ``Headers``, ``QueryParameters`` and ``RequestBody``, merged with the connection's
  header, query string and body parameters, the connection's values taking precedence
  (as for API destinations); headers AWS sets itself or refuses (transport headers,
  ``Authorization``, ``x-amz-*``) are dropped;
- ``Transform.RequestBodyEncoding: URL_ENCODED`` sends an object body form-encoded,
  arrays per ``RequestEncodingOptions.ArrayFormat`` (INDICES, the default: ``a[0]=x``;
  REPEAT: ``a=x&a=y``; COMMAS: ``a=x,y``; BRACKETS: ``a[]=x``).

The answer is ``{Headers, ResponseBody, StatusCode, StatusText}``: header values as lists,
the body parsed when the response is JSON, else text. A status outside 2xx fails the task
with ``States.Http.StatusCode.<code>`` and that answer, as JSON text, as the cause; no
answer within 60 seconds, or none at all, fails it with ``States.Http.Socket``. A missing
or unusable connection fails it with ``Events.ConnectionResource.<reason>``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

from eventyard.runtime.http import OutboundHttp
from eventyard.services.events._http import REMOVED_HEADERS, _set_headers
from eventyard.services.events._http_auth import AuthorizationFailed, TokenCache, parameters, static_headers
from eventyard.services.events.connections import AUTHORIZED, AUTHORIZING
from eventyard.store import Store
from eventyard.store.connections import ConnectionRecord

TIMEOUT_SECONDS = 60.0  # AWS: "HTTP Task requests time out after 60 seconds"
MAX_RESPONSE_BYTES = 262_144
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")
NO_BODY = frozenset({"GET", "HEAD"})
CONNECTION_ERROR = "Events.ConnectionResource."
# what the task's own Headers may not set (AWS sets them, or the transport does)
_REFUSED_PREFIXES = ("x-amz-", "x-amzn-", "x-forwarded-")
_REFUSED = REMOVED_HEADERS | {"authorization", "server"}


class HttpTaskFailed(Exception):
    """The task fails with ``error`` and ``cause``."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause


def _runtime(cause: str) -> HttpTaskFailed:
    return HttpTaskFailed("States.Runtime", cause)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def form_encoded(body: dict[str, Any], array_format: str = "INDICES") -> str:
    """An object body as ``application/x-www-form-urlencoded``; nested objects as
    ``a[b]=v``, arrays per ``array_format``."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{key}[{k}]", v)
        elif isinstance(value, list):
            if array_format == "COMMAS":
                pairs.append((key, ",".join(_scalar(v) for v in value)))
                return
            for index, item in enumerate(value):
                name = {"INDICES": f"{key}[{index}]", "REPEAT": key, "BRACKETS": f"{key}[]"}[array_format]
                add(name, item)
        else:
            pairs.append((key, _scalar(value)))

    for key, value in body.items():
        add(key, value)
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe=',')}" for k, v in pairs)


def connection_arn_of(request: dict[str, Any]) -> str:
    authentication = request.get("Authentication")
    arn = authentication.get("ConnectionArn") if isinstance(authentication, dict) else None
    if not isinstance(arn, str) or not arn:
        raise _runtime("The field 'Authentication.ConnectionArn' is required but was missing")
    return arn


def build_request(request: dict[str, Any], connection: ConnectionRecord,
                  region: str) -> tuple[str, str, dict[str, str], bytes | None]:
    """(method, url, headers, body) of the task's call, before the connection's
    authorization header. Raises ``HttpTaskFailed`` for a request AWS would refuse."""
    endpoint = request.get("ApiEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise _runtime("The field 'ApiEndpoint' is required but was missing")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _runtime(f"The value for the field 'ApiEndpoint' must be a valid URL: {endpoint}")
    method = request.get("Method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _runtime(f"The value for the field 'Method' must be one of {', '.join(METHODS)}")
    method = method.upper()
    invocation = (connection.auth or {}).get("InvocationHttpParameters")

    query = request.get("QueryParameters") or {}
    if not isinstance(query, dict):
        raise _runtime("The value for the field 'QueryParameters' must be an OBJECT")
    merged: list[tuple[str, str]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            merged.append((key, _scalar(item)))
    from_connection = dict(parameters(invocation, "QueryStringParameters"))
    merged = [(k, v) for k, v in merged if k not in from_connection] + list(from_connection.items())
    given = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in {m[0] for m in merged}]
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(given + merged), parts.fragment))

    headers: dict[str, str] = {}
    task_headers = request.get("Headers") or {}
    if not isinstance(task_headers, dict):
        raise _runtime("The value for the field 'Headers' must be an OBJECT")
    _set_headers(headers, {k: ",".join(_scalar(i) for i in v) if isinstance(v, list) else _scalar(v)
                           for k, v in task_headers.items() if _allowed(k)})
    _set_headers(headers, {k: v for k, v in parameters(invocation, "HeaderParameters") if _allowed(k)})

    content: bytes | None = None
    body = request.get("RequestBody")
    extra = parameters(invocation, "BodyParameters")
    if method not in NO_BODY and (body is not None or extra):
        if extra and (body is None or isinstance(body, dict)):
            body = {**(body or {}), **dict(extra)}
        transform = request.get("Transform") or {}
        encoding = transform.get("RequestBodyEncoding", "NONE") if isinstance(transform, dict) else "NONE"
        if encoding not in ("NONE", "URL_ENCODED"):
            raise _runtime("The value for the field 'RequestBodyEncoding' must be one of NONE, URL_ENCODED")
        if encoding == "URL_ENCODED" and isinstance(body, dict):
            options = transform.get("RequestEncodingOptions") or {}
            array_format = options.get("ArrayFormat", "INDICES") if isinstance(options, dict) else "INDICES"
            if array_format not in ARRAY_FORMATS:
                raise _runtime(f"The value for the field 'ArrayFormat' must be one of {', '.join(ARRAY_FORMATS)}")
            content = form_encoded(body, array_format).encode()
            _set_headers(headers, {"Content-Type": "application/x-www-form-urlencoded"})
        else:
            content = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json; charset=UTF-8"
    _set_headers(headers, {"User-Agent": f"Amazon|StepFunctions|HttpInvoke|{region}",
                           "Range": f"bytes=0-{MAX_RESPONSE_BYTES}"})
    return method, url, headers, content


def _allowed(header: str) -> bool:
    lower = header.lower()
    return lower not in _REFUSED and not lower.startswith(_REFUSED_PREFIXES)


def task_output(response: httpx.Response) -> dict[str, Any]:
    """AWS's answer of an HTTP task: headers as lists, a JSON body parsed."""
    headers: dict[str, list[str]] = {}
    for key, value in response.headers.multi_items():
        headers.setdefault(key.lower(), []).append(value)
    text = response.content.decode("utf-8", errors="replace")
    body: Any = text
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):  # not JSON after all, or nested past the stack: kept as text
            pass
    return {"Headers": headers, "ResponseBody": body, "StatusCode": response.status_code,
            "StatusText": response.reason_phrase}


class HttpTasks:
    """Makes HTTP tasks' calls through the node's outbound HTTP, authorized by the
    connection (its secret values read with ``with_secrets``; OAuth tokens from the
    connection's ``TokenCache``, shared with API destinations)."""

    def __init__(self, store: Store, tokens: TokenCache, http: OutboundHttp,
                 with_secrets: Callable[[Any, ConnectionRecord], ConnectionRecord],
                 on_authorized: Callable[[str], Awaitable[None]]) -> None:
        self.store = store
        self.tokens = tokens
        self.http = http
        self.with_secrets = with_secrets
        self.on_authorized = on_authorized

    async def invoke(self, request: dict[str, Any], account: str, region: str, *,
                     trace: dict[str, Any] | None = None, reveal_secrets: bool = False,
                     check: Callable[[ConnectionRecord], Awaitable[None]] | None = None) -> dict[str, Any]:
        """The call's output; ``trace`` (TestState at TRACE) gets the raw ``request`` and
        ``response``, the connection's additions shown only with ``reveal_secrets``;
        ``check`` may refuse the connection (the caller's permissions) before it is used."""
        arn = connection_arn_of(request)

        def read(s: Any) -> ConnectionRecord | None:
            record = s.connections.by_arn(arn)
            return None if record is None else self.with_secrets(s, record)

        connection = await self.store.read(read)
        if connection is None or connection.account_id != account or connection.region != region:
            raise HttpTaskFailed(CONNECTION_ERROR + "ResourceNotFound", f"Connection not found: {arn}")
        if check is not None:
            await check(connection)
        if connection.state not in (AUTHORIZED, AUTHORIZING) or connection.auth is None:
            raise HttpTaskFailed(CONNECTION_ERROR + "InvalidConnectionState",
                                 f"The connection {connection.name} is in state {connection.state}.")
        method, url, headers, content = build_request(request, connection, region)
        client = self.http.client(verify=True)
        if connection.authorization_type == "OAUTH_CLIENT_CREDENTIALS":
            try:
                token = await self.tokens.token(connection, client)
            except AuthorizationFailed as err:
                raise HttpTaskFailed(CONNECTION_ERROR + "AuthInvalidParameters",
                                     f"Unable to authorize the connection {connection.name}: {err}") from None
            if connection.state == AUTHORIZING:
                await self.on_authorized(connection.arn)
            _set_headers(headers, {"Authorization": f"Bearer {token}"})
        else:
            _set_headers(headers, static_headers(connection))
        if trace is not None:
            shown = (method, url, headers, content) if reveal_secrets else build_request(
                request, replace(connection, auth={}), region)
            trace["request"] = _traced_request(*shown)
        try:
            response = await client.request(method, url, headers=headers, content=content, timeout=TIMEOUT_SECONDS)
        except httpx.TimeoutException:
            raise HttpTaskFailed("States.Http.Socket", "Socket timeout: no answer from the endpoint "
                                 f"within {int(TIMEOUT_SECONDS)} seconds.") from None
        except httpx.HTTPError as err:
            raise HttpTaskFailed("States.Http.Socket", f"Unable to reach the endpoint: {type(err).__name__}.") from None
        if connection.authorization_type == "OAUTH_CLIENT_CREDENTIALS" and response.status_code in (401, 407):
            self.tokens.forget(connection.arn)  # the next attempt fetches a new token, as API destinations do
        if trace is not None:
            trace["response"] = _traced_response(response)
        output = task_output(response)
        if not 200 <= response.status_code < 300:
            raise HttpTaskFailed(f"States.Http.StatusCode.{response.status_code}",
                                 json.dumps(output, separators=(",", ":"), ensure_ascii=False))
        return output


def _header_list(pairs: list[tuple[str, str]]) -> str:
    """Headers as TestState's TRACE shows them: ``[Name: value, ...]``."""
    return "[" + ", ".join(f"{k}: {v}" for k, v in pairs) + "]"


def _traced_request(method: str, url: str, headers: dict[str, str], content: bytes | None) -> dict[str, str]:
    return {"protocol": urlsplit(url).scheme, "method": method, "url": url,
            "headers": _header_list(list(headers.items())),
            "body": (content or b"").decode("utf-8", errors="replace")}


def _traced_response(response: httpx.Response) -> dict[str, str]:
    return {"protocol": response.url.scheme, "statusCode": str(response.status_code),
            "statusMessage": response.reason_phrase, "headers": _header_list(response.headers.multi_items()),
            "body": response.content.decode("utf-8", errors="replace")}
