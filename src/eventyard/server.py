"""ASGI assembly: the AWS API on every path, plus eventyard's own endpoints."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from eventyard import __version__
from eventyard.api.asgi import ApiApp
from eventyard.api.auth import Authenticator
from eventyard.api.dispatch import Dispatcher
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
        if scope["type"] == "http" and not scope["path"].startswith(self.OWN_PREFIXES):
            await self.api(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def build_app(settings: Settings, store: Store | None = None) -> Front:
    """The whole server. ``store`` may be given (tests); else it is opened from settings."""
    opened = store or open_store(settings.store_url)
    jsondoc.make_room_for_nesting()  # accepted JSON nests up to 1000 levels
    disable_created_metrics()  # CloudWatch has no such series; they only add noise
    runtime = DeliveryRuntime(opened, lease_ms=settings.delivery_lease_s * 1000)
    metrics = CollectorRegistry()
    registry = ServiceRegistry(opened, runtime, metrics)
    registry.events.rules_per_bus = settings.rules_per_bus
    auth = Authenticator(mode=settings.auth, keys={k.access_key: k for k in settings.access_keys})
    api = ApiApp(Dispatcher(registry.resolve, auth))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__, "store": opened.dialect})

    async def sns_certificate(request: Request) -> Response:
        pem = await registry.sns.signing_certificate(request.url.path.lstrip("/"))
        if pem is None:
            return Response(b"Not Found", status_code=404)
        return Response(pem, media_type="application/x-pem-file")

    async def prometheus(request: Request) -> Response:
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
        routes=[Route("/_eventyard/health", health), Route("/metrics", prometheus),
                Route("/SimpleNotificationService-{key}.pem", sns_certificate), Mount("/", app=api)],
        lifespan=lifespan,
    )
    app.state.store = opened
    app.state.registry = registry
    app.state.runtime = runtime
    return Front(app, api)
