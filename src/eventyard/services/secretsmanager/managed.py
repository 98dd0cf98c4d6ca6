"""Secrets other services keep in Secrets Manager: an EventBridge connection's
``events!connection/NAME/UUID`` secret, holding the connection's authorization
parameters, written in the connection's own unit of work.

The value follows the shape AWS stores (snake_case keys): API key ``api_key_name`` /
``api_key_value``, basic ``username`` / ``password``, OAuth ``client_id`` /
``client_secret`` / ``authorization_endpoint`` / ``http_method`` /
``oauth_http_parameters``, and ``invocation_http_parameters`` when given, each HTTP
parameter as ``{"key", "value", "is_value_secret"}``.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import orjson

from eventyard.core import clock
from eventyard.services.secretsmanager import names, staging
from eventyard.services.secretsmanager.service import SecretsManagerService
from eventyard.services.secretsmanager.vault import KeyRing, add_version, open_value
from eventyard.store import Session
from eventyard.store.connections import ConnectionRecord
from eventyard.store.secrets import SecretRecord

EVENTS = "events"
_PARAMETER_LISTS = (("HeaderParameters", "header_parameters"), ("QueryStringParameters", "query_string_parameters"),
                    ("BodyParameters", "body_parameters"))


def _http_parameters(http: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, key in _PARAMETER_LISTS:
        if http.get(member):
            out[key] = [{"key": p.get("Key"), "value": p.get("Value"), "is_value_secret": bool(p.get("IsValueSecret"))}
                        for p in http[member]]
    return out


def connection_secret_value(auth_type: str, auth: dict[str, Any]) -> dict[str, Any]:
    """What AWS keeps in a connection's secret for its AuthParameters."""
    out: dict[str, Any] = {}
    if auth_type == "API_KEY":
        params = auth.get("ApiKeyAuthParameters") or {}
        out.update(api_key_name=params.get("ApiKeyName"), api_key_value=params.get("ApiKeyValue"))
    elif auth_type == "BASIC":
        params = auth.get("BasicAuthParameters") or {}
        out.update(username=params.get("Username"), password=params.get("Password"))
    else:
        oauth = auth.get("OAuthParameters") or {}
        client = oauth.get("ClientParameters") or {}
        out.update(client_id=client.get("ClientID"), client_secret=client.get("ClientSecret"),
                   authorization_endpoint=oauth.get("AuthorizationEndpoint"), http_method=oauth.get("HttpMethod"))
        if oauth.get("OAuthHttpParameters"):
            out["oauth_http_parameters"] = _http_parameters(oauth["OAuthHttpParameters"])
    if auth.get("InvocationHttpParameters"):
        out["invocation_http_parameters"] = _http_parameters(auth["InvocationHttpParameters"])
    return out


def _fill_parameters(stored: dict[str, Any] | None, kept: dict[str, Any] | None) -> dict[str, Any] | None:
    """HTTP parameters as stored, each secret value taken back from the secret."""
    if not isinstance(stored, dict) or not isinstance(kept, dict):
        return stored
    out = dict(stored)
    for member, key in _PARAMETER_LISTS:
        items, values = stored.get(member), kept.get(key) or []
        if not isinstance(items, list):
            continue
        filled = []
        for i, item in enumerate(items):
            item = dict(item)
            if "Value" not in item and i < len(values) and values[i].get("key") == item.get("Key"):
                item["Value"] = values[i].get("value")
            filled.append(item)
        out[member] = filled
    return out


def fill_auth(auth_type: str, stored: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """A connection's stored AuthParameters (secret values left out) with the values its
    secret keeps (``connection_secret_value``'s shape), the stored shape otherwise kept."""
    auth = dict(stored)
    if auth_type == "API_KEY" and isinstance(auth.get("ApiKeyAuthParameters"), dict):
        auth["ApiKeyAuthParameters"] = {**auth["ApiKeyAuthParameters"], "ApiKeyValue": kept.get("api_key_value")}
    elif auth_type == "BASIC" and isinstance(auth.get("BasicAuthParameters"), dict):
        auth["BasicAuthParameters"] = {**auth["BasicAuthParameters"], "Password": kept.get("password")}
    elif isinstance(auth.get("OAuthParameters"), dict):
        oauth = dict(auth["OAuthParameters"])
        oauth["ClientParameters"] = {**(oauth.get("ClientParameters") or {}), "ClientSecret": kept.get("client_secret")}
        if "OAuthHttpParameters" in oauth:
            oauth["OAuthHttpParameters"] = _fill_parameters(oauth["OAuthHttpParameters"], kept.get("oauth_http_parameters"))
        auth["OAuthParameters"] = oauth
    if "InvocationHttpParameters" in auth:
        auth["InvocationHttpParameters"] = _fill_parameters(auth["InvocationHttpParameters"],
                                                            kept.get("invocation_http_parameters"))
    return auth


class ServiceSecrets:
    """Writes the secrets a service keeps here, inside that service's unit of work."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def put(self, s: Session, *, arn: str, owning_service: str, value: str, description: str | None = None) -> None:
        """The secret at ``arn`` (made if absent) gets ``value`` as its AWSCURRENT version."""
        now = clock.now_ms()
        record = s.secrets.by_arn(arn)
        if record is None:
            parts = arn.split(":")
            record = SecretRecord(parts[4], parts[3], names.name_of_arn(arn), arn, description, None, owning_service,
                                  None, now, now, None, None)
            s.secrets.insert(record)
        add_version(s, self.keys, record, str(uuid.uuid4()), value, [staging.CURRENT], now)

    @staticmethod
    def remove(s: Session, arn: str) -> None:
        SecretsManagerService.purge(s, arn)

    def value(self, s: Session, arn: str) -> str | None:
        """The AWSCURRENT value of the secret at ``arn`` (for the service that keeps it)."""
        current = next((v for v in s.secrets.versions(arn) if staging.CURRENT in v.stages), None)
        if current is None:
            return None
        found = open_value(self.keys, current)
        return found if isinstance(found, str) else found.decode()


class ConnectionSecrets:
    """The EventBridge connections' collaborator: keeps each connection's secret in step
    with the connection, in the same unit of work."""

    def __init__(self, secrets: ServiceSecrets) -> None:
        self.secrets = secrets

    def connection_changed(self, s: Session, before: ConnectionRecord | None, after: ConnectionRecord | None) -> None:
        if before is not None and before.secret_arn and (after is None or after.secret_arn != before.secret_arn):
            self.secrets.remove(s, before.secret_arn)
        if after is not None and after.secret_arn and after.auth is not None:
            if before is not None and before.secret_arn == after.secret_arn and before.auth == after.auth \
                    and before.authorization_type == after.authorization_type:
                return  # nothing the secret holds changed
            value = orjson.dumps(connection_secret_value(after.authorization_type, after.auth)).decode()
            self.secrets.put(s, arn=after.secret_arn, owning_service=EVENTS, value=value)

    def with_secrets(self, s: Session, record: ConnectionRecord) -> ConnectionRecord:
        """The stored connection (no secret values) completed from its secret; as stored
        when it has no secret (rows written before connections kept one)."""
        if record.secret_arn is None or record.auth is None:
            return record
        text = self.secrets.value(s, record.secret_arn)
        if text is None:
            return record
        return replace(record, auth=fill_auth(record.authorization_type, record.auth, orjson.loads(text)))
