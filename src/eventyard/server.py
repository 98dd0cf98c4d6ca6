"""ASGI assembly: the AWS API on every path, plus eventyard's own endpoints."""

from __future__ import annotations

import contextlib
import hmac
import html
from typing import Any, AsyncIterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from eventyard import __version__
from eventyard.api.asgi import ApiApp
from eventyard.api.auth import Authenticator
from eventyard.api.dispatch import Dispatcher
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.api.invoke import Invoker
from eventyard.api.metrics import RequestMetrics
from eventyard.config import Settings
from eventyard.core import jsondoc
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.store import Store, open_store


class Front:
    """The ASGI entry: AWS API requests go straight to the API app; eventyard's own
    paths and the lifespan go through Starlette (whose routing and middleware cost
    showed in profiles of small API calls)."""

    OWN_PREFIXES = ("/_eventyard/", "/metrics", "/SimpleNotificationService-")

    def __init__(self, site: Starlette, api: ApiApp) -> None:
        self.site = site
        self.api = api
        self.state = site.state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.OWN_PREFIXES) and not _is_home(scope):
            await self.api(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def _is_home(scope: dict[str, Any]) -> bool:
    """A plain ``GET /`` (a browser): no AWS request looks like that, as every one names
    its operation in the query, a header or the body, and is signed."""
    if scope["path"] != "/" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    return not any(name in (b"authorization", b"x-amz-target") for name, _ in scope["headers"])


_HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eventyard {version}</title></head>
<body style="font-family: sans-serif; max-width: 42em; margin: 2em auto">
<h1>eventyard {version}</h1>
<p>This is an AWS-compatible endpoint for EventBridge (<code>events</code>), SQS (<code>sqs</code>) and
SNS (<code>sns</code>), stored on {store}. Point an AWS SDK or the AWS CLI at it:
<code>endpoint_url="{base}"</code>.</p>
<ul>
<li><a href="/_eventyard/health">/_eventyard/health</a>: whether the server is up, its version and store</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>
</body></html>
"""


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
        auth.identify(signed, "rest-json")
    except WireError:
        return False
    return True


def build_app(settings: Settings, store: Store | None = None) -> Front:
    """The whole server. ``store`` may be given (tests); else it is opened from settings."""
    opened = store or open_store(settings.store_url, exclusive=True)
    jsondoc.make_room_for_nesting()  # accepted JSON nests up to 1000 levels
    disable_created_metrics()  # CloudWatch has no such series; they only add noise
    runtime = DeliveryRuntime(opened, lease_ms=settings.delivery_lease_s * 1000)
    metrics = CollectorRegistry()
    registry = ServiceRegistry(opened, runtime, metrics)
    registry.events.rules_per_bus = settings.rules_per_bus
    auth = Authenticator(mode=settings.auth, keys={k.access_key: k for k in settings.access_keys})
    invoker = Invoker(registry.resolve)
    api = ApiApp(Dispatcher(invoker, auth, RequestMetrics(metrics), public_url=settings.public_url))
    if settings.public_url:
        registry.sns.public_url = settings.public_url

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__, "store": opened.dialect})

    async def sns_certificate(request: Request) -> Response:
        pem = await registry.sns.signing_certificate(request.url.path.lstrip("/"))
        if pem is None:
            return Response(b"Not Found", status_code=404)
        return Response(pem, media_type="application/x-pem-file")

    async def home(request: Request) -> HTMLResponse:
        base = html.escape(str(request.base_url).rstrip("/"), quote=True)
        return HTMLResponse(_HOME.format(version=__version__, store=opened.dialect, base=base))

    async def prometheus(request: Request) -> Response:
        # the series name every account's buses and rules: with real credentials, only
        # a signed request or the metrics token may read them
        if settings.auth != "none" and not await metrics_allowed(request, auth, settings.metrics_token):
            return Response(b"Forbidden: /metrics needs a SigV4-signed request or the metrics token.\n",
                            status_code=403, media_type="text/plain")
        await registry.queue_depths.refresh()
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        registry.start()
        try:
            yield
        finally:
            await registry.stop()
            if store is None:
                opened.close()

    app = Starlette(
        routes=[Route("/", home, methods=["GET"]), Route("/_eventyard/health", health), Route("/metrics", prometheus),
                Route("/SimpleNotificationService-{key}.pem", sns_certificate), Mount("/", app=api)],
        lifespan=lifespan,
    )
    app.state.store = opened
    app.state.registry = registry
    app.state.runtime = runtime
    app.state.invoker = invoker
    return Front(app, api)
