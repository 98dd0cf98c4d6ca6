"""Function URLs: an HTTP request to a function's URL becomes one synchronous invocation
with Lambda's payload format 2.0, and the function's answer becomes the HTTP response.

The answer is mapped as Lambda maps it: an object with ``statusCode`` gives the status,
``headers``, ``cookies`` and ``body`` (base64 when ``isBase64Encoded``); any other JSON
answer is a 200 ``application/json`` body; a function error is a 502. An unknown URL is
a 403 with ``{"Message": null}``.

``AuthType`` ``AWS_IAM`` wants a request signed for ``lambda`` (checked by the web
layer, which says who signed it) whose signer may ``lambda:InvokeFunctionUrl`` the
function: under ``--auth iam`` by AWS's whole evaluation (identity policies, the
function's resource policy with ``lambda:FunctionUrlAuthType``); else the function's own
account may, and another account where the function's resource policy lets it. An
unsigned, badly signed or denied request is AWS's 403 ``AccessDeniedException``.
``AuthType`` ``NONE`` stays open.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

import orjson

from eventyard.core import ids, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.functions import policy
from eventyard.services.functions.invocation import Invocations, Throttled, pick
from eventyard.services.functions.names import FunctionRef


@dataclass(frozen=True)
class UrlCaller:
    """Who signed a function URL request, as its signature proved."""

    account: str
    region: str
    access_key: str
    principal_arn: str
    principal_id: str
    session_policy: str | None = None


@dataclass(frozen=True)
class UrlRequest:
    url_id: str
    method: str
    path: str  # below the URL's root, starting with "/"
    query: str  # raw, without "?"
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    domain: str  # the Host the client used
    caller: UrlCaller | None = None  # set when the request is signed and its signature holds
    signature_refused: str | None = None  # why a signed request's signature does not hold


@dataclass(frozen=True)
class UrlResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def _json(status: int, doc: Any) -> UrlResponse:
    return UrlResponse(status, orjson.dumps(doc), [("Content-Type", "application/json")])


FORBIDDEN = _json(403, {"Message": None})
# AWS's answer to an AWS_IAM URL request it does not let through
DENIED = UrlResponse(403, orjson.dumps({"Message": "Forbidden. For troubleshooting Function URL authorization issues, "
                                                   "see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}),
                     [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")])

# --auth iam: (service, operation, params, ctx) -> None, or raises the denial
Authorize = Callable[[str, str, dict[str, Any], RequestContext], Awaitable[None]]


class FunctionUrls:
    def __init__(self, invocations: Invocations) -> None:
        self.invocations = invocations
        self.authorize: Authorize | None = None

    async def code_archive(self, sha_hex: str) -> bytes | None:
        """A function's or layer's zip, by the digest in GetFunction's ``Code.Location``."""
        if len(sha_hex) != 64 or any(c not in "0123456789abcdef" for c in sha_hex):
            return None
        return await self.invocations.store.read(lambda s: s.functions.archive(sha_hex))

    async def serve(self, request: UrlRequest) -> UrlResponse:
        store = self.invocations.store
        owner = await store.read(lambda s: s.functions.url_owner(request.url_id))
        if owner is None:
            return FORBIDDEN
        account, region, name, qualifier = owner
        ref = FunctionRef(account, region, name, qualifier or None)
        doc = await store.read(lambda s: s.functions.get(account, region, name))
        config = None if doc is None else doc["urls"].get(qualifier)
        if doc is None or config is None:
            return FORBIDDEN
        headers = {k.lower(): v for k, v in request.headers}
        if config["AuthType"] == "AWS_IAM" and not await self._allowed(request, ref, doc):
            return DENIED
        event = _event(request, account, headers)
        try:
            target = pick(doc, ref)
            result = await self.invocations.run(ref, target, orjson.dumps(event), event["requestContext"]["requestId"],
                                                self.invocations.base_url)
        except Throttled:
            return _json(429, {"Message": "Rate Exceeded."})
        except ServiceError as err:
            return _json(502 if err.code != "ResourceNotFoundException" else 403, {"Message": err.message})
        if result.function_error:
            return UrlResponse(502, b"Internal Server Error", [("Content-Type", "text/plain")])
        return _response(result.payload)

    async def _allowed(self, request: UrlRequest, ref: FunctionRef, doc: dict[str, Any]) -> bool:
        """Whether the signer of an AWS_IAM URL request may ``lambda:InvokeFunctionUrl``."""
        caller = request.caller
        if caller is None:
            return False
        if self.authorize is not None:
            ctx = RequestContext(account=caller.account, region=caller.region, access_key=caller.access_key,
                                 operation="InvokeFunctionUrl", principal_arn=caller.principal_arn,
                                 principal_id=caller.principal_id, session_policy=caller.session_policy)
            try:
                await self.authorize("lambda", "InvokeFunctionUrl", {
                    "FunctionName": ref.qualified_arn, "FunctionUrlAuthType": "AWS_IAM"}, ctx)
            except ServiceError:
                return False
            return True
        if caller.account == ref.account:
            return True
        asked = policies.AccessRequest(policies.Principal.of_arn(caller.account, caller.principal_arn),
                                       policy.INVOKE_URL, ref.qualified_arn, {"lambda:FunctionUrlAuthType": "AWS_IAM"})
        return policy.decision(doc, ref, asked) is policies.Decision.ALLOW


def _event(request: UrlRequest, account: str, headers: dict[str, str]) -> dict[str, Any]:
    now = time.time()
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    cookies = [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()]
    text_body = headers.get("content-type", "").split(";")[0].strip().startswith(("text/", "application/json"))
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": request.path, "rawQueryString": request.query,
        "headers": {k: v for k, v in headers.items() if k != "cookie"},
        "requestContext": {
            "accountId": "anonymous", "apiId": request.url_id, "domainName": request.domain,
            "domainPrefix": request.url_id,
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
            "requestId": ids.uuid4(), "routeKey": "$default", "stage": "$default",
            "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now * 1000)},
        "isBase64Encoded": False,
    }
    if request.caller is not None:
        who = request.caller
        event["requestContext"]["accountId"] = who.account
        event["requestContext"]["authorizer"] = {"iam": {
            "accessKey": who.access_key, "accountId": who.account, "callerId": who.principal_id,
            "cognitoIdentity": None, "principalOrgId": None, "userArn": who.principal_arn,
            "userId": who.principal_id}}
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if request.body:
        if text_body:
            event["body"] = request.body.decode(errors="replace")
        else:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    return event


def _response(payload: bytes) -> UrlResponse:
    try:
        answer = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return UrlResponse(200, payload, [("Content-Type", "application/json")])
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return UrlResponse(200, payload, [("Content-Type", "application/json")])
    headers = [(str(k), str(v)) for k, v in (answer.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in answer.get("cookies") or []]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = answer.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raw = orjson.dumps(body)
    elif answer.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body.encode()
    try:
        status = int(answer["statusCode"])
    except (TypeError, ValueError):
        return UrlResponse(502, b"Internal Server Error", [("Content-Type", "text/plain")])
    return UrlResponse(status, raw, headers)
