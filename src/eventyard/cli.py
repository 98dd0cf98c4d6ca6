"""``eventyard`` command line."""

from __future__ import annotations

import errno
import socket
import sys
from typing import TYPE_CHECKING

import click

from eventyard import __version__
from eventyard.store.base import DEFAULT_URL, ENV_VAR

if TYPE_CHECKING:
    from eventyard.config import Settings
    from eventyard.store.peers import PeerGroup


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eventyard")
def main() -> None:
    """eventyard: a self-hosted server that speaks the AWS wire APIs of EventBridge,
    SQS and SNS (boto3, the AWS CLI and AWS SDKs work against it with an endpoint URL)."""


@main.command(short_help="Serve EventBridge, SQS and SNS over the AWS wire APIs.")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="EVENTYARD_HOST", help="Address to listen on.")
@click.option("--port", default=4566, show_default=True, type=int, envvar="EVENTYARD_PORT")
@click.option("--store", "store_url", default=DEFAULT_URL, show_default=True, envvar=ENV_VAR,
              help="sqlite:///path/to/yard.db or postgresql://user@host:port/db")
@click.option("--auth", type=click.Choice(["none", "sigv4", "iam"]), default="none", show_default=True,
              envvar="EVENTYARD_AUTH", help="none accepts any credentials (dev); sigv4 verifies signatures; "
              "iam verifies them and enforces IAM policies.")
@click.option("--access-keys", default="", envvar="EVENTYARD_ACCESS_KEYS",
              help="For --auth sigv4 or iam: AKID:SECRET[:ACCOUNT],..., each its account's root "
              "(account defaults to 000000000000).")
@click.option("--rules-per-bus", default=300, show_default=True, type=click.IntRange(1, 100_000),
              envvar="EVENTYARD_RULES_PER_BUS", help="EventBridge quota: rules per event bus.")
@click.option("--event-history", default=0, show_default=True, type=click.IntRange(0, 1_000_000),
              envvar="EVENTYARD_EVENT_HISTORY", help="Recent events kept per event bus for the console's live tail "
              "and event pages (written with the events; 0 keeps none).")
@click.option("--delivery-lease", "delivery_lease_s", default=120, show_default=True, type=click.IntRange(5, 86_400),
              envvar="EVENTYARD_DELIVERY_LEASE", help="Seconds a claimed delivery or job (timer, execution step) stays "
              "leased to its worker (after a crash, what it held runs again when the lease ends).")
@click.option("--workers", type=click.IntRange(1, 1024), default=None, envvar="EVENTYARD_WORKERS",
              help="Processes serving the port over the same store  [default: the machine's cores]; "
              "1 serves from this process alone.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, envvar="EVENTYARD_LOG_LEVEL")
@click.option("--public-url", default=None, envvar="EVENTYARD_PUBLIC_URL",
              help="scheme://host[:port] clients reach the server at, used in queue URLs and SNS's URLs "
              "(default: the request's Host header, which must then be a plain host[:port]).")
@click.option("--request-timeout", "request_timeout_s", default=60.0, show_default=True,
              type=click.FloatRange(0.1, 3600), envvar="EVENTYARD_REQUEST_TIMEOUT",
              help="Seconds a request may take to arrive whole (headers and body); slower connections are closed.")
@click.option("--metrics-token", default=None, envvar="EVENTYARD_METRICS_TOKEN",
              help="With --auth sigv4: a bearer token that opens /metrics (a SigV4-signed request does too).")
@click.option("--web-identity", "web_identity", multiple=True, envvar="EVENTYARD_WEB_IDENTITY",
              help="An OpenID Connect issuer STS's AssumeRoleWithWebIdentity trusts: ISSUER|KEYS[|AUDIENCE,...], "
              "KEYS being hs256:SECRET or the path of a JWKS file (repeatable).")
@click.option("--secrets-key", default=None, envvar="EVENTYARD_SECRETS_KEY",
              help="Secrets Manager's data key (32 bytes, base64) that seals secret values in the store "
                   "(default: a key generated once and kept in the store).")
def serve(host: str, port: int, store_url: str, auth: str, access_keys: str, rules_per_bus: int,
          event_history: int, delivery_lease_s: int, workers: int | None, log_level: str, public_url: str | None,
          request_timeout_s: float,
          metrics_token: str | None, web_identity: tuple[str, ...], secrets_key: str | None) -> None:
    """Serve eventyard's AWS services on one port, with their deliveries and timers,
    from --workers processes over one store. Every flag can be set by its EVENTYARD_*
    variable.

    Stop it with Ctrl-C or SIGTERM; GET /_eventyard/health tells whether it is up."""
    from eventyard import logs
    from eventyard.api.auth import parse_access_keys
    from eventyard.config import Settings
    from eventyard.supervisor import default_workers

    logs.configure(log_level)
    try:
        keys = tuple(parse_access_keys(access_keys))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--access-keys") from None
    if auth != "none" and not keys:
        raise click.BadParameter(f"--auth {auth} needs at least one access key", param_hint="--access-keys")
    from eventyard.services.sts.web_identity import parse_issuer

    try:
        issuers = tuple(parse_issuer(text) for text in web_identity)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--web-identity") from None
    from eventyard.api.http import normalized_public_url

    try:
        public = normalized_public_url(public_url) if public_url else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-url") from None
    settings = Settings(host=host, port=port, store_url=store_url, auth=auth, access_keys=keys,
                        rules_per_bus=rules_per_bus, event_history=event_history,
                        delivery_lease_s=delivery_lease_s, workers=workers or default_workers(), log_level=log_level,
                        public_url=public, request_timeout_s=request_timeout_s, metrics_token=metrics_token or None,
                        web_identity_issuers=issuers,
                        secrets_key=secrets_key or None)
    if secrets_key:
        from eventyard.services.secretsmanager.sealing import parse_key

        try:
            parse_key(secrets_key)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--secrets-key") from None
    listener = _listen(host, port)  # before the store: a busy port changes nothing
    if settings.workers == 1:
        sys.exit(_serve_here(settings, listener, None))
    sys.exit(_serve_group(settings, listener))


def _serve_here(settings: "Settings", listener: socket.socket, peers: "PeerGroup | None") -> int:
    """Serve ``listener`` from this process until stopped; the command's exit code. ``peers``:
    this process is one worker of a group (its supervisor announced the server)."""
    import uvicorn

    from eventyard.server import build_app
    from eventyard.serving import protocol_with_read_timeout
    from eventyard.store import StoreError

    try:
        app = build_app(settings, peers=peers)
    except StoreError as exc:
        listener.close()
        click.echo(f"eventyard: {exc}", err=True)
        return 2
    _freeze_startup_heap()
    if peers is None:
        click.echo(f"eventyard {__version__} listening on http://{settings.host}:{settings.port} "
                   f"(store: {app.state.store.dialect})", err=True)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                                           access_log=False, lifespan="on",
                                           http=protocol_with_read_timeout(settings.request_timeout_s)))
    server.run(sockets=[listener])
    if not server.started:  # start-up failed (uvicorn logged why)
        return 3
    return 0


def _serve_group(settings: "Settings", listener: socket.socket) -> int:
    """``--workers N`` (N > 1): this process holds the store, forks the workers and
    supervises them (``eventyard.supervisor``)."""
    from eventyard.store import StoreError, open_store
    from eventyard.store.factory import claim_store
    from eventyard.supervisor import Supervisor

    try:
        lock = claim_store(settings.store_url)
    except StoreError as exc:
        listener.close()
        click.echo(f"eventyard: {exc}", err=True)
        return 2
    try:
        try:
            store = open_store(settings.store_url)  # migrated once, and a bad store is told here
        except StoreError as exc:
            listener.close()
            click.echo(f"eventyard: {exc}", err=True)
            return 2
        dialect = store.dialect
        store.close()  # no thread may run here when the workers are forked
        _freeze_startup_heap()  # loaded once, shared by the workers' memory
        click.echo(f"eventyard {__version__} listening on http://{settings.host}:{settings.port} "
                   f"(store: {dialect}, {settings.workers} workers)", err=True)
        return Supervisor(settings.workers, listener, lambda sock, peers: _serve_here(settings, sock, peers)).run()
    finally:
        if lock is not None:
            lock.release()


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that "listening on" is only printed once it
    is true; a port in use ends the command with a clear message."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restarts need no wait
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        click.echo(f"eventyard: cannot listen on {host}:{port}: {reason}", err=True)
        sys.exit(2)
    # not inherited by programs started later (function runtimes): after a crash none of
    # them may keep the port; the workers of ``--workers N`` are forked and share it anyway
    listener.set_inheritable(False)
    return listener


def _freeze_startup_heap() -> None:
    """Load every service model now and keep what start-up made out of the garbage
    collector's sight: it lives as long as the process, and without this each full
    collection walks it again (14-28 ms pauses of every request in flight)."""
    import gc

    from eventyard.api import catalog

    for spec in catalog.all_services():
        for operation in spec.operations.values():
            operation.input_shape, operation.output_shape
    gc.collect()
    gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
