"""``GET /metrics``: Prometheus metrics, which name every account's buses and rules, so
with real credentials only a signed request or the metrics token may read them."""

from __future__ import annotations

import hmac
from typing import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from eventyard.api.auth import Authenticator
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.web.types import Endpoint


async def metrics_allowed(request: Request, auth: Authenticator, token: str | None) -> bool:
    """A bearer token equal to ``token``, or a request signed with any configured key."""
    given = request.headers.get("authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[len("Bearer "):].strip().encode(), token.encode())
    raw_path = (request.scope.get("raw_path") or b"/metrics").decode("latin-1")
    signed = HttpRequest(method=request.method, path=raw_path.split("?", 1)[0],
                         query=request.scope.get("query_string", b"").decode("latin-1"),
                         headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                         body=await request.body())
    try:
        await auth.identify(signed, "rest-json")
    except WireError:
        return False
    return True


def metrics_endpoint(metrics: CollectorRegistry, auth: Authenticator, token: str | None,
                     refresh: Callable[[], Awaitable[None]]) -> Endpoint:
    """``refresh`` brings the gauges read on demand (queue depths) up to date first."""

    async def prometheus(request: Request) -> Response:
        if auth.mode != "none" and not await metrics_allowed(request, auth, token):
            return Response(b"Forbidden: /metrics needs a SigV4-signed request or the metrics token.\n",
                            status_code=403, media_type="text/plain")
        await refresh()
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    return prometheus
