"""ASGI assembly: the AWS API on every path, plus eventyard's own endpoints (``web/``)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, AsyncIterator

from prometheus_client import CollectorRegistry, disable_created_metrics
from starlette.applications import Starlette

from eventyard.api.asgi import ApiApp
from eventyard.api.auth import Authenticator
from eventyard.api.dispatch import Dispatcher
from eventyard.api.invoke import Invoker
from eventyard.api.metrics import RequestMetrics
from eventyard.config import Settings
from eventyard.console import Yard, build_console
from eventyard.core import jsondoc
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.secretsmanager.sealing import parse_key
from eventyard.store import Store, open_store
from eventyard.web import Site, build_site, is_own_request

if TYPE_CHECKING:
    from eventyard.services.authorization import Enforcer


class Front:
    """The ASGI entry: AWS API requests go straight to the API app; eventyard's own
    paths and the lifespan go through Starlette (whose routing and middleware cost
    showed in profiles of small API calls)."""

    def __init__(self, site: Starlette, api: ApiApp) -> None:
        self.site = site
        self.api = api
        self.state = site.state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not is_own_request(scope):
            await self.api(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def enforcer(settings: Settings, store: Store, metrics: CollectorRegistry) -> "Enforcer | None":
    """In ``--auth iam``: what authorizes every call by IAM policies."""
    if settings.auth != "iam":
        return None
    from eventyard.services.authorization import DecisionMetrics, Enforcer

    return Enforcer(store, DecisionMetrics(metrics))


def build_app(settings: Settings, store: Store | None = None) -> Front:
    """The whole server. ``store`` may be given (tests); else it is opened from settings."""
    opened = store or open_store(settings.store_url, exclusive=True)
    jsondoc.make_room_for_nesting()  # accepted JSON nests up to 1000 levels
    disable_created_metrics()  # CloudWatch has no such series; they only add noise
    runtime = DeliveryRuntime(opened, lease_ms=settings.delivery_lease_s * 1000)
    metrics = CollectorRegistry()
    registry = ServiceRegistry(opened, runtime, metrics,
                               secrets_key=parse_key(settings.secrets_key) if settings.secrets_key else None)
    registry.events.rules_per_bus = settings.rules_per_bus
    registry.events.router.history_per_bus = settings.event_history
    registry.delivery_history.turn_on(settings.event_history)
    auth = Authenticator(mode=settings.auth, keys={k.access_key: k for k in settings.access_keys},
                         issued=registry.sts.credentials)
    registry.sts.enforce_trust = settings.auth == "iam"
    registry.sts.root_keys = {k.access_key: k.account for k in settings.access_keys}
    registry.sts.web_identity_issuers = {i.issuer: i for i in settings.web_identity_issuers}
    authority = enforcer(settings, opened, metrics)
    invoker = Invoker(registry.resolve, authority.authorize if authority is not None else None)
    registry.stepfunctions.integrations.enforcer = authority  # tasks call as their execution role
    api = ApiApp(Dispatcher(invoker, auth, RequestMetrics(metrics), public_url=settings.public_url))
    if settings.public_url:
        registry.sns.public_url = settings.public_url
    registry.functions.invocations.base_url = settings.public_url or f"http://{settings.host}:{settings.port}"

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        registry.start()
        try:
            yield
        finally:
            await registry.stop()
            if store is None:
                opened.close()

    console = build_console(Yard(invoker, registry, auth, metrics))
    site = Site(store_dialect=opened.dialect, auth=auth, metrics_token=settings.metrics_token, metrics=metrics,
                refresh_metrics=registry.queue_depths.refresh, sns_certificate=registry.sns.signing_certificate,
                function_url=registry.function_urls.serve, function_code=registry.function_urls.code_archive,
                console=console)
    app = build_site(site, api, lifespan)
    app.state.store = opened
    app.state.registry = registry
    app.state.runtime = runtime
    app.state.invoker = invoker
    return Front(app, api)
