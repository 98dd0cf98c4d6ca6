"""The Starlette app of eventyard's own endpoints, and which requests are its."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncContextManager, Awaitable, Callable

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from eventyard.api.auth import Authenticator
from eventyard.services.functions.urls import UrlRequest, UrlResponse
from eventyard.web.function_urls import code_endpoint, function_url_endpoint
from eventyard.web.health import health_endpoint
from eventyard.web.home import home_endpoint, is_home
from eventyard.web.metrics import metrics_endpoint
from eventyard.web.sns_certificate import certificate_endpoint

# Paths no AWS API request uses: these, and the home page, are the site's.
OWN_PREFIXES = ("/_eventyard/", "/metrics", "/SimpleNotificationService-", "/console")


def is_own_request(scope: dict[str, Any]) -> bool:
    """Whether an HTTP request is for an own endpoint rather than the AWS API."""
    return scope["path"].startswith(OWN_PREFIXES) or is_home(scope)


@dataclass(frozen=True)
class Site:
    """What the own endpoints read: the server's parts they show or guard."""

    store_dialect: str  # sqlite | postgresql
    auth: Authenticator  # /metrics with real credentials wants a signed request ...
    metrics_token: str | None  # ... or this bearer token
    metrics: CollectorRegistry
    refresh_metrics: Callable[[], Awaitable[None]]  # gauges read on demand
    sns_certificate: Callable[[str], Awaitable[bytes | None]]  # file name -> PEM, or None
    function_url: Callable[[UrlRequest], Awaitable[UrlResponse]] | None = None  # Lambda's function URLs
    function_code: Callable[[str], Awaitable[bytes | None]] | None = None  # Lambda's zips, by SHA-256
    console: ASGIApp | None = None  # the web console, at /console


def build_site(site: Site, api: ASGIApp, lifespan: Callable[[Starlette], AsyncContextManager[None]]) -> Starlette:
    """The own endpoints; any other path of theirs (``/_eventyard/unknown``) falls through
    to ``api``, which answers it as AWS would. The server's lifespan runs here too."""
    console: list[BaseRoute] = []
    if site.console is not None:
        console = [Route("/console", _to_console, methods=["GET", "HEAD"]), Mount("/console", app=site.console)]
    return Starlette(
        routes=[
            Route("/", home_endpoint(site.store_dialect, console=site.console is not None), methods=["GET"]),
            Route("/_eventyard/health", health_endpoint(site.store_dialect)),
            Route("/metrics", metrics_endpoint(site.metrics, site.auth, site.metrics_token, site.refresh_metrics)),
            Route("/SimpleNotificationService-{key}.pem", certificate_endpoint(site.sns_certificate)),
            *([Route("/_eventyard/lambda-url/{url_id}/{path:path}", function_url_endpoint(site.function_url, site.auth),
                     methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])]
              if site.function_url is not None else []),
            *([Route("/_eventyard/lambda/code/{sha}", code_endpoint(site.function_code), methods=["GET"])]
              if site.function_code is not None else []),
            *console,
            Mount("/", app=api),
        ],
        lifespan=lifespan,
    )


async def _to_console(request: Request) -> Response:
    return RedirectResponse("/console/", status_code=308)
