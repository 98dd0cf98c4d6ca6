"""How API destination calls authorize: the connection's headers, and OAuth tokens.

- ``API_KEY``: a header named ``ApiKeyName`` carrying ``ApiKeyValue``.
- ``BASIC``: ``Authorization: Basic base64(username:password)``.
- ``OAUTH_CLIENT_CREDENTIALS``: ``Authorization: Bearer <access_token>``. The token comes
  from the ``AuthorizationEndpoint``, called with the connection's ``HttpMethod``, the
  client id and secret as HTTP basic credentials, and ``OAuthHttpParameters`` (headers,
  query string, and body parameters form-encoded; for GET they join the query string).
  Its answer is JSON with ``access_token`` and optionally ``expires_in``. Tokens are
  cached per connection (and per version of it) on this node and fetched again when
  they expire within 60 seconds, or after the endpoint answers 401 or 407, as AWS does.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from eventyard.store.connections import ConnectionRecord

REFRESH_BEFORE_SECONDS = 60.0
DEFAULT_TOKEN_SECONDS = 3600.0
TIMEOUT_SECONDS = 5.0


class AuthorizationFailed(Exception):
    """The authorization endpoint gave no token; the text says why."""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def parameters(http: dict[str, Any] | None, kind: str) -> list[tuple[str, str]]:
    """(key, value) pairs of one list of a connection's HTTP parameters."""
    return [(p["Key"], str(p.get("Value", ""))) for p in (http or {}).get(kind) or [] if p.get("Key")]


def static_headers(connection: ConnectionRecord) -> dict[str, str]:
    """Authorization headers of API_KEY and BASIC connections (OAuth: ``TokenCache``)."""
    auth = connection.auth or {}
    if connection.authorization_type == "API_KEY":
        params = auth.get("ApiKeyAuthParameters") or {}
        return {params.get("ApiKeyName", ""): params.get("ApiKeyValue", "")}
    if connection.authorization_type == "BASIC":
        params = auth.get("BasicAuthParameters") or {}
        return {"Authorization": basic(params.get("Username", ""), params.get("Password", ""))}
    return {}


class TokenCache:
    """OAuth access tokens by connection, one fetch at a time per connection."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[float, str, float]] = {}  # arn -> (version, token, expires)
        self._locks: dict[str, asyncio.Lock] = {}
        self.fetches = 0  # tokens fetched by this node (observability, tests)

    def forget(self, arn: str) -> None:
        self._tokens.pop(arn, None)

    async def token(self, connection: ConnectionRecord, client: httpx.AsyncClient) -> str:
        cached = self._fresh(connection)
        if cached is not None:
            return cached
        lock = self._locks.setdefault(connection.arn, asyncio.Lock())
        async with lock:
            cached = self._fresh(connection)  # another delivery fetched it meanwhile
            if cached is not None:
                return cached
            token, lifetime = await self._fetch(connection, client)
            self._tokens[connection.arn] = (connection.modified_at, token, time.monotonic() + lifetime)
            return token

    def _fresh(self, connection: ConnectionRecord) -> str | None:
        entry = self._tokens.get(connection.arn)
        if entry is None or entry[0] != connection.modified_at:
            return None
        if entry[2] - time.monotonic() <= REFRESH_BEFORE_SECONDS:
            return None
        return entry[1]

    async def _fetch(self, connection: ConnectionRecord, client: httpx.AsyncClient) -> tuple[str, float]:
        oauth = (connection.auth or {}).get("OAuthParameters") or {}
        client_params = oauth.get("ClientParameters") or {}
        extra = oauth.get("OAuthHttpParameters")
        method = (oauth.get("HttpMethod") or "POST").upper()
        headers = dict(parameters(extra, "HeaderParameters"))
        headers["Authorization"] = basic(client_params.get("ClientID", ""), client_params.get("ClientSecret", ""))
        query = parameters(extra, "QueryStringParameters")
        body = parameters(extra, "BodyParameters")
        content: bytes | None = None
        if method == "GET":
            query += body
        elif body:
            content = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        url = oauth.get("AuthorizationEndpoint", "")
        self.fetches += 1
        try:  # the pairs as a tuple: httpx's params type takes a list only of its own value union
            response = await client.request(method, url, params=tuple(query) or None, headers=headers, content=content,
                                            timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as err:
            raise AuthorizationFailed(f"Failed to connect to the authorization endpoint: {type(err).__name__}.") from err
        if not 200 <= response.status_code < 300:
            raise AuthorizationFailed(f"The authorization endpoint answered HTTP status {response.status_code}.")
        try:
            data = orjson.loads(response.content)
            token = data["access_token"]
            if not isinstance(token, str) or not token:
                raise ValueError
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            raise AuthorizationFailed("The authorization endpoint's answer has no access_token.") from None
        try:
            lifetime = float(data.get("expires_in", DEFAULT_TOKEN_SECONDS))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_SECONDS
        return token, lifetime
