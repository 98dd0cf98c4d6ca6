"""Connections: CreateConnection, DescribeConnection, ListConnections, UpdateConnection,
DeleteConnection, DeauthorizeConnection.

A connection holds how API destinations authorize (API key, basic, OAuth client
credentials) and the extra HTTP parameters sent with every invocation. Its secrets (the
key value, the password, the client secret, parameter values marked ``IsValueSecret``)
are kept, as on AWS, in a Secrets Manager secret of the connection's (``SecretArn``,
written in the same unit of work by ``connection_secrets``), not in its row; describes
show none of them.

States as recorded on AWS: API_KEY and BASIC connections are ``AUTHORIZED`` at once; an
OAuth connection is ``AUTHORIZING`` until its first token arrives (fetched in the
background right after the call, or by the first delivery), then ``AUTHORIZED``, or
``DEAUTHORIZED`` with a ``StateReason`` when the authorization endpoint refuses.
``DeauthorizeConnection`` answers ``DEAUTHORIZING`` and leaves it ``DEAUTHORIZED``
without secrets; ``UpdateConnection`` with new secrets authorizes it again.
"""

from __future__ import annotations

import copy
import secrets
import string
import uuid
from dataclasses import replace
from functools import partial
from typing import Any, Protocol

import structlog

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError, ValidationError, Violation
from eventyard.core.identity import RequestContext
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services._pagination import Page
from eventyard.services.events._http_auth import TokenCache
from eventyard.store import ConflictError, Session, Store
from eventyard.store.connections import ConnectionRecord

log = structlog.get_logger("eventyard.events")

LIST_LIMIT = 100

AUTHORIZED = "AUTHORIZED"
AUTHORIZING = "AUTHORIZING"
DEAUTHORIZED = "DEAUTHORIZED"
DEAUTHORIZING = "DEAUTHORIZING"
DELETING = "DELETING"

# Which member of AuthParameters each authorization type needs, and its required fields.
_AUTH_MEMBER = {
    "API_KEY": "ApiKeyAuthParameters",
    "BASIC": "BasicAuthParameters",
    "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
}
_REQUIRED = {
    "ApiKeyAuthParameters": (("ApiKeyName",), ("ApiKeyValue",)),
    "BasicAuthParameters": (("Username",), ("Password",)),
    "OAuthParameters": (("ClientParameters", "ClientID"), ("ClientParameters", "ClientSecret"),
                        ("AuthorizationEndpoint",), ("HttpMethod",)),
}
OAUTH_HTTP_METHODS = ("GET", "POST", "PUT")
_SECRETS = (("ApiKeyAuthParameters", "ApiKeyValue"), ("BasicAuthParameters", "Password"))
_PARAMETER_LISTS = ("HeaderParameters", "QueryStringParameters", "BodyParameters")


def connection_arn(ctx: RequestContext, name: str) -> str:
    return arns.build("events", ctx.region, ctx.account, f"connection/{name}/{uuid.uuid4()}")


def _secret_arn(ctx: RequestContext, name: str) -> str:
    # Secrets Manager appends a dash and six random characters to a secret's name
    suffix = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(6))
    return arns.build("secretsmanager", ctx.region, ctx.account, f"secret:events!connection/{name}/{uuid.uuid4()}-{suffix}")


def connection_not_found(name: str, action: str = "describe") -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Failed to {action} the connection(s). Connection '{name}' does not exist.")


def is_http_url(url: str) -> bool:
    """AWS wants HTTPS; plain HTTP is accepted too, because a self-hosted bus mostly calls
    services on its own network (and tests call a local server)."""
    head, sep, rest = url.partition("://")
    return bool(sep) and head.lower() in ("https", "http") and bool(rest) and not rest.startswith("/")


def _dig(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """UpdateConnection's AuthParameters: given fields replace, others stay; lists replace."""
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate_auth(auth_type: str, auth: dict[str, Any]) -> None:
    """The AuthParameters member of ``auth_type`` is there and complete; no other is."""
    member = _AUTH_MEMBER[auth_type]
    for other in _AUTH_MEMBER.values():
        if other != member and auth.get(other) is not None:
            raise ServiceError("ValidationException",
                               f"Parameter(s) {other} not valid for authorization type {auth_type}.")
    params = auth.get(member)
    if not isinstance(params, dict):
        raise ServiceError("ValidationException",
                           f"Parameter(s) {member} must be specified for authorization type {auth_type}.")
    for path in _REQUIRED[member]:
        if not _dig(params, path):
            field = ".".join(("AuthParameters", member, *path))
            raise ServiceError("ValidationException", f"Parameter {field} must be specified for authorization type {auth_type}.")
    if member == "OAuthParameters" and str(params["HttpMethod"]).upper() not in OAUTH_HTTP_METHODS:
        # AWS takes the method in any case ("put"); botocore's enum would refuse it
        raise ValidationError([Violation("authParameters.oAuthParameters.httpMethod", params["HttpMethod"],
                                         f"Member must satisfy enum value set: [{', '.join(OAUTH_HTTP_METHODS)}]",
                                         "enum")])
    if member == "OAuthParameters" and not is_http_url(params["AuthorizationEndpoint"]):
        raise ServiceError("ValidationException",
                           "Parameter AuthParameters.OAuthParameters.AuthorizationEndpoint is not valid. "
                           "Reason: The endpoint must be an HTTPS URL.")
    for where, http in (("InvocationHttpParameters", auth.get("InvocationHttpParameters")),
                        ("OAuthParameters.OAuthHttpParameters", (params or {}).get("OAuthHttpParameters"))):
        for kind in _PARAMETER_LISTS:
            for i, item in enumerate((http or {}).get(kind) or [], start=1):
                if not item.get("Key"):
                    raise ServiceError("ValidationException",
                                       f"Parameter AuthParameters.{where}.{kind}.{i}.Key must be specified.")


def _public_parameters(http: dict[str, Any]) -> dict[str, Any]:
    """HTTP parameters as describes show them: secret values left out."""
    out: dict[str, Any] = {}
    for kind in _PARAMETER_LISTS:
        if kind not in http:
            continue
        items = []
        for item in http[kind] or []:
            shown = {k: v for k, v in item.items() if k != "Value"}
            if not item.get("IsValueSecret") and "Value" in item:
                shown["Value"] = item["Value"]
            items.append(shown)
        out[kind] = items
    return out


def public_auth(auth: dict[str, Any]) -> dict[str, Any]:
    """DescribeConnection's AuthParameters: everything but the secrets."""
    out: dict[str, Any] = {}
    if "ApiKeyAuthParameters" in auth:
        out["ApiKeyAuthParameters"] = {"ApiKeyName": auth["ApiKeyAuthParameters"].get("ApiKeyName")}
    if "BasicAuthParameters" in auth:
        out["BasicAuthParameters"] = {"Username": auth["BasicAuthParameters"].get("Username")}
    if "OAuthParameters" in auth:
        oauth = auth["OAuthParameters"]
        shown: dict[str, Any] = {
            "ClientParameters": {"ClientID": (oauth.get("ClientParameters") or {}).get("ClientID")},
            "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint"),
            "HttpMethod": oauth.get("HttpMethod"),
        }
        if oauth.get("OAuthHttpParameters") is not None:
            shown["OAuthHttpParameters"] = _public_parameters(oauth["OAuthHttpParameters"])
        out["OAuthParameters"] = shown
    if auth.get("InvocationHttpParameters") is not None:
        out["InvocationHttpParameters"] = _public_parameters(auth["InvocationHttpParameters"])
    if auth.get("ConnectivityParameters") is not None:
        out["ConnectivityParameters"] = auth["ConnectivityParameters"]
    return out


def _without_secrets(auth: dict[str, Any]) -> dict[str, Any]:
    """What DeauthorizeConnection leaves: the parameters, none of the secret values."""
    out = copy.deepcopy(auth)  # nested parameters are edited below; the caller's stay whole
    for member, field in _SECRETS:
        if isinstance(out.get(member), dict):
            out[member] = {k: v for k, v in out[member].items() if k != field}
    oauth = out.get("OAuthParameters")
    if isinstance(oauth, dict) and isinstance(oauth.get("ClientParameters"), dict):
        oauth["ClientParameters"] = {k: v for k, v in oauth["ClientParameters"].items() if k != "ClientSecret"}
    for http in (out.get("InvocationHttpParameters"), (oauth or {}).get("OAuthHttpParameters")):
        for kind in _PARAMETER_LISTS:
            if isinstance(http, dict) and http.get(kind):
                http[kind] = [{k: v for k, v in item.items() if not (k == "Value" and item.get("IsValueSecret"))}
                              for item in http[kind]]
    return out


def _state_summary(record: ConnectionRecord, state: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"ConnectionArn": record.arn, "ConnectionState": state or record.state,
                           "CreationTime": record.created_at / 1000, "LastModifiedTime": record.modified_at / 1000}
    if record.authorized_at is not None:  # stored in ms, answered in seconds
        out["LastAuthorizedTime"] = record.authorized_at / 1000
    return out


class ConnectionSecretKeeper(Protocol):
    """Keeps each connection's Secrets Manager secret (``SecretArn``) in step with the
    connection, inside the unit of work that changes the connection."""

    def connection_changed(self, s: Session, before: ConnectionRecord | None,
                           after: ConnectionRecord | None) -> None: ...

    def with_secrets(self, s: Session, record: ConnectionRecord) -> ConnectionRecord:
        """``record`` (as stored: no secret values) with the values its secret holds."""
        ...


class ConnectionOperations:
    """The operations; OAuth authorization fills ``tokens`` (the API destination
    deliverer's token cache) through the node's outbound ``http``, as one-off jobs of the
    node's ``Timers``. The connection's secret is kept by ``connection_secrets``
    (Secrets Manager's, set by the registry; none: the secret ARN is named but no secret
    is kept)."""

    connection_secrets: ConnectionSecretKeeper | None = None

    def _secret_changed(self, s: Session, before: ConnectionRecord | None, after: ConnectionRecord | None) -> None:
        if self.connection_secrets is not None:
            self.connection_secrets.connection_changed(s, before, after)

    def _stored(self, record: ConnectionRecord) -> ConnectionRecord:
        """What the connection's row keeps: with a secret keeper, no secret values (they
        are in the connection's secret, sealed)."""
        if self.connection_secrets is None or record.auth is None or record.secret_arn is None:
            return record
        return replace(record, auth=_without_secrets(record.auth))

    def with_secrets(self, s: Session, record: ConnectionRecord) -> ConnectionRecord:
        """A stored connection with its secret values, for those who authorize with it."""
        if self.connection_secrets is None or record.secret_arn is None:
            return record
        return self.connection_secrets.with_secrets(s, record)

    def __init__(self, store: Store, timers: Timers, tokens: TokenCache, http: OutboundHttp) -> None:
        self.store = store
        self._timers = timers
        self.tokens = tokens
        self.http = http

    # -- helpers ---------------------------------------------------------------------
    def _connection(self, s: Session, ctx: RequestContext, name: str, action: str = "describe") -> ConnectionRecord:
        record = s.connections.get(ctx.account, ctx.region, name)
        if record is None:
            raise connection_not_found(name, action)
        return record

    @staticmethod
    def _first_state(auth_type: str) -> str:
        return AUTHORIZING if auth_type == "OAUTH_CLIENT_CREDENTIALS" else AUTHORIZED

    def _authorize_soon(self, record: ConnectionRecord) -> None:
        """OAuth: fetch the first token now, off the request path."""
        if record.authorization_type != "OAUTH_CLIENT_CREDENTIALS":
            return
        self._timers.soon("events-connection-authorize", partial(self._authorize, record))

    async def _authorize(self, record: ConnectionRecord) -> None:
        from eventyard.services.events._http_auth import AuthorizationFailed

        try:
            await self.tokens.token(record, self.http.client(verify=True))  # the deliverer's client
        except AuthorizationFailed as err:
            reason = str(err)[:512]
            await self.store.write(lambda s: s.connections.set_state(
                record.arn, DEAUTHORIZED, reason=reason, authorized_at=None, only_if=AUTHORIZING))
            log.info("events.connection_deauthorized", connection=record.arn, reason=reason)
            return
        except Exception:  # never let a background task die loudly; deliveries try again
            log.exception("events.connection_authorize_failed", connection=record.arn)
            return
        await self.connection_authorized(record.arn)

    async def connection_authorized(self, arn: str) -> None:
        """A token arrived for an ``AUTHORIZING`` connection: it is ``AUTHORIZED`` now."""
        now = clock.now_ms()
        await self.store.write(lambda s: s.connections.set_state(
            arn, AUTHORIZED, reason=None, authorized_at=now, only_if=AUTHORIZING))

    # -- operations ------------------------------------------------------------------
    async def create_connection(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        auth_type: str = req["AuthorizationType"]
        auth: dict[str, Any] = req["AuthParameters"]
        _validate_auth(auth_type, auth)
        now = clock.now_ms()
        record = ConnectionRecord(
            ctx.account, ctx.region, name, connection_arn(ctx, name), req.get("Description"), auth_type,
            self._first_state(auth_type), None, auth, _secret_arn(ctx, name), req.get("KmsKeyIdentifier"),
            req.get("InvocationConnectivityParameters"), now, now, now,
        )

        def create(s: Session) -> None:
            if s.connections.get(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"Connection {name} already exists.")
            s.connections.insert(self._stored(record))
            self._secret_changed(s, None, record)

        try:
            await self.store.write(create)
        except ConflictError:
            raise ServiceError("ResourceAlreadyExistsException", f"Connection {name} already exists.") from None
        self._authorize_soon(record)
        out = _state_summary(record)
        out.pop("LastAuthorizedTime", None)  # as recorded on AWS: not in CreateConnection's answer
        return out

    async def describe_connection(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.store.read(lambda s: self._connection(s, ctx, req["Name"]))
        out: dict[str, Any] = {"ConnectionArn": record.arn, "Name": record.name}
        if record.description is not None:
            out["Description"] = record.description
        if record.connectivity is not None:
            out["InvocationConnectivityParameters"] = record.connectivity
        out["ConnectionState"] = record.state
        if record.state_reason is not None:
            out["StateReason"] = record.state_reason
        out["AuthorizationType"] = record.authorization_type
        if record.secret_arn is not None:
            out["SecretArn"] = record.secret_arn
        if record.kms_key_identifier is not None:
            out["KmsKeyIdentifier"] = record.kms_key_identifier
        if record.auth is not None:
            out["AuthParameters"] = public_auth(record.auth)
        out["CreationTime"] = record.created_at / 1000
        out["LastModifiedTime"] = record.modified_at / 1000
        if record.authorized_at is not None:
            out["LastAuthorizedTime"] = record.authorized_at / 1000
        return out

    async def list_connections(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        found = await self.store.read(lambda s: s.connections.list(
            ctx.account, ctx.region, prefix=req.get("NamePrefix"), state=req.get("ConnectionState"),
            after=page.after, limit=page.read_limit))
        shown, token = page.cut(found, lambda r: r.name)
        listed = []
        for record in shown:
            item: dict[str, Any] = {"ConnectionArn": record.arn, "Name": record.name, "ConnectionState": record.state}
            if record.state_reason is not None:
                item["StateReason"] = record.state_reason
            item.update(AuthorizationType=record.authorization_type, CreationTime=record.created_at / 1000,
                        LastModifiedTime=record.modified_at / 1000)
            if record.authorized_at is not None:
                item["LastAuthorizedTime"] = record.authorized_at / 1000
            listed.append(item)
        out: dict[str, Any] = {"Connections": listed}
        if token is not None:
            out["NextToken"] = token
        return out

    async def update_connection(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        now = clock.now_ms()
        updated: list[ConnectionRecord] = []

        def update(s: Session) -> None:
            current = self.with_secrets(s, self._connection(s, ctx, name, "update"))
            auth_type = req.get("AuthorizationType") or current.authorization_type
            change = req.get("AuthParameters")
            base = current.auth or {}
            if auth_type != current.authorization_type:  # the old type's parameters go
                base = {k: v for k, v in base.items() if k not in _AUTH_MEMBER.values()}
            auth = _merge(base, change) if change is not None else base
            reauthorize = change is not None or auth_type != current.authorization_type
            if reauthorize or current.state in (AUTHORIZED, AUTHORIZING):
                _validate_auth(auth_type, auth)
            record = replace(
                current,
                description=req["Description"] if "Description" in req else current.description,
                authorization_type=auth_type, auth=auth,
                kms_key_identifier=req.get("KmsKeyIdentifier", current.kms_key_identifier),
                connectivity=req.get("InvocationConnectivityParameters", current.connectivity),
                modified_at=now,
            )
            if reauthorize:
                record = replace(record, state=self._first_state(auth_type), state_reason=None,
                                 secret_arn=current.secret_arn or _secret_arn(ctx, name), authorized_at=now)
            s.connections.replace(self._stored(record))
            self._secret_changed(s, current, record)
            updated.append(record)

        await self.store.write(update)
        record = updated[-1]
        if record.state == AUTHORIZING:
            self.tokens.forget(record.arn)
            self._authorize_soon(record)
        return _state_summary(record)

    async def delete_connection(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]

        def delete(s: Session) -> ConnectionRecord:
            record = self._connection(s, ctx, name, "delete")
            s.connections.delete(ctx.account, ctx.region, name)
            self._secret_changed(s, record, None)
            return record

        record = await self.store.write(delete)
        self.tokens.forget(record.arn)
        return _state_summary(record, DELETING)

    async def deauthorize_connection(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        now = clock.now_ms()

        def deauthorize(s: Session) -> ConnectionRecord:
            current = self._connection(s, ctx, name, "deauthorize")
            record = replace(current, state=DEAUTHORIZED, state_reason=None,
                             auth=_without_secrets(current.auth) if current.auth is not None else None,
                             secret_arn=None, modified_at=now)
            s.connections.replace(record)
            self._secret_changed(s, current, record)
            return record

        record = await self.store.write(deauthorize)
        self.tokens.forget(record.arn)
        return _state_summary(record, DEAUTHORIZING)
