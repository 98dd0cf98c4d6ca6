"""``/_eventyard/lambda-url/<url id>/...``: function URLs (``CreateFunctionUrlConfig``'s
``FunctionUrl``). Any method and path below the URL's root invokes the function; the
functions service builds the event and maps the answer (``services/functions/urls.py``)."""

from __future__ import annotations

from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from eventyard.services.functions.urls import UrlRequest, UrlResponse
from eventyard.web.types import Endpoint

PREFIX = "/_eventyard/lambda-url/"


def function_url_endpoint(serve: Callable[[UrlRequest], Awaitable[UrlResponse]]) -> Endpoint:
    async def function_url(request: Request) -> Response:
        body = await request.body()
        answer = await serve(UrlRequest(
            url_id=request.path_params["url_id"], method=request.method,
            path="/" + request.path_params.get("path", ""), query=request.url.query,
            headers=[(k, v) for k, v in request.headers.items()], body=body,
            source_ip=request.client.host if request.client else "", domain=request.headers.get("host", "")))
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
