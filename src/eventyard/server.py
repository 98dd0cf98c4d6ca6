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
from eventyard.store.peers import PeerGroup
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


def build_app(settings: Settings, store: Store | None = None, peers: PeerGroup | None = None) -> Front:
    """The whole server. ``store`` may be given (tests); else it is opened from settings:
    by the one process serving it, or as worker ``peers`` of ``serve --workers N`` (whose
    supervisor holds the store's lock)."""
    opened = store or open_store(settings.store_url, exclusive=peers is None, peers=peers)
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
    # Where clients reach this server, for URLs made without a request (a task of an
    # execution, an SNS delivery); each request's own Host then refines it. With several
    # workers, a worker may run such work before any request reached it.
    own_url = settings.public_url or _listening_url(settings)
    registry.sns.public_url = own_url
    registry.stepfunctions.integrations.public_url = own_url
    registry.functions.invocations.base_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    registry.functions.invocations.enforce_resource_policy = settings.auth == "iam"
    registry.function_urls.authorize = authority.authorize if authority is not None else None  # AWS_IAM URLs
    registry.event_source_mappings.authorize = authority.authorize if authority is not None else None

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


def _listening_url(settings: Settings) -> str:
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # every address: name the machine itself
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"
