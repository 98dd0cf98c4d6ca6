"""``/_eventyard/lambda-url/<url id>/...``: function URLs (``CreateFunctionUrlConfig``'s
``FunctionUrl``). Any method and path below the URL's root invokes the function; the
functions service builds the event and maps the answer (``services/functions/urls.py``).

A signed request (SigV4, signing name ``lambda``, header or presigned query) is checked
here as the API checks its requests, and the service learns who signed it or why the
signature does not hold; whether the URL wants one (``AuthType`` ``AWS_IAM``) is the
service's to say."""

from __future__ import annotations

from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from eventyard.api.auth import Authenticator
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.services.functions.urls import UrlCaller, UrlRequest, UrlResponse
from eventyard.web.types import Endpoint

PREFIX = "/_eventyard/lambda-url/"


def _signed(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("AWS4-") or \
        "X-Amz-Signature=" in request.url.query


async def _signer(request: Request, body: bytes, auth: Authenticator) -> tuple[UrlCaller | None, str | None]:
    """Who signed the request (None if unsigned), or why the signature does not hold."""
    if not _signed(request):
        return None, None
    raw_path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    signed = HttpRequest(method=request.method, path=raw_path.split("?", 1)[0],
                         query=request.scope.get("query_string", b"").decode("latin-1"),
                         headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                         body=body)
    try:
        caller = await auth.identify(signed, "rest-json", service="lambda")
    except WireError as err:
        return None, err.message
    return UrlCaller(caller.account, caller.region, caller.access_key or "", caller.principal_arn,
                     caller.principal_id, caller.session_policy), None


def function_url_endpoint(serve: Callable[[UrlRequest], Awaitable[UrlResponse]],
                          auth: Authenticator | None = None) -> Endpoint:
    async def function_url(request: Request) -> Response:
        body = await request.body()
        caller, refusal = await _signer(request, body, auth) if auth is not None else (None, None)
        answer = await serve(UrlRequest(
            url_id=request.path_params["url_id"], method=request.method,
            path="/" + request.path_params.get("path", ""), query=request.url.query,
            headers=[(k, v) for k, v in request.headers.items()], body=body,
            source_ip=request.client.host if request.client else "", domain=request.headers.get("host", ""),
            caller=caller, signature_refused=refusal))
        response = Response(answer.body, status_code=answer.status)
        # raw headers: a function may set several cookies (one Set-Cookie each)
        response.raw_headers = [(b"content-length", str(len(answer.body)).encode())] + [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
        return response

    return function_url


def code_endpoint(archive: Callable[[str], Awaitable[bytes | None]]) -> Endpoint:
    """``/_eventyard/lambda/code/<sha256>``: GetFunction's ``Code.Location``, the zip itself."""

    async def function_code(request: Request) -> Response:
        found = await archive(request.path_params["sha"])
        if found is None:
            return Response(b"Not Found", status_code=404)
        return Response(found, media_type="application/zip")

    return function_code
