"""Who signed the request: SigV4 verification, or dev mode that trusts any credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import unquote

from eventyard.api import sigv4
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.core.identity import DEFAULT_ACCOUNT, DEFAULT_REGION, account_for_access_key


@dataclass(frozen=True)
class AccessKey:
    access_key: str
    secret_key: str
    account: str


@dataclass(frozen=True)
class Caller:
    account: str
    region: str
    access_key: str | None
    service: str | None  # the signing name in the credential scope, if signed


def parse_access_keys(text: str) -> list[AccessKey]:
    """``AKID:SECRET[:ACCOUNT],...`` (the account defaults as in dev mode)."""
    keys = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        parts = item.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"access key entry {item!r} is not AKID:SECRET[:ACCOUNT]")
        account = parts[2] if len(parts) == 3 else account_for_access_key(parts[0])
        keys.append(AccessKey(parts[0], parts[1], account))
    return keys


@dataclass
class Authenticator:
    mode: str = "none"  # none: accept any credentials (dev); sigv4: verify signatures
    keys: dict[str, AccessKey] = field(default_factory=dict)
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def signed_request(self, request: HttpRequest) -> sigv4.SignedRequest:
        return sigv4.SignedRequest(request.method, request.path, request.query, request.headers, request.body)

    def identify(self, request: HttpRequest, protocol: str, *, service: str | None = None,
                 anonymous_region: str | None = None) -> Caller:
        """The caller, once its signature holds. ``service``: the signing name the request
        must be scoped to (a request signed for ``sns`` is refused by ``sqs``).
        ``anonymous_region``: set for the few calls AWS takes unsigned (SNS's
        UnsubscribeURL and SubscribeURL); an unsigned one gets a caller without a key."""
        if self.mode == "none":
            access_key, region, scoped = _credential_scope(request)
            return Caller(account_for_access_key(access_key), region or DEFAULT_REGION, access_key, scoped)
        signed = self.signed_request(request)
        try:
            sig = sigv4.parse_signature(signed)
            if sig is None and anonymous_region is not None:
                return Caller(DEFAULT_ACCOUNT, anonymous_region, None, None)
            if sig is None:
                raise sigv4.SigV4Error("missing", "Missing Authentication Token")
            if service is not None and sig.service != service:
                raise sigv4.SigV4Error("mismatch", f"Credential should be scoped to correct service: '{service}'. ")
            sigv4.verify(signed, sig, self._secret_for, self.clock())
        except sigv4.SigV4Error as exc:
            code, status, message = exc.wire(protocol)
            raise WireError(code, message, status) from None
        key = self.keys[sig.access_key]
        return Caller(key.account, sig.region or DEFAULT_REGION, sig.access_key, sig.service)

    def _secret_for(self, access_key: str) -> str | None:
        key = self.keys.get(access_key)
        return key.secret_key if key else None

    def peek_scope(self, request: HttpRequest) -> tuple[str | None, str | None]:
        """(signing service, region) from the credential scope, without verifying."""
        _, region, service = _credential_scope(request)
        return service, region


# Credential=AKID/yyyymmdd/region/service/aws4_request, in a header or a presigned URL
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]*)/([^/,\s]*)/")
_QUERY_CREDENTIAL = re.compile(r"(?:^|&)X-Amz-Credential=([^&]+)")


def _credential_scope(request: HttpRequest) -> tuple[str | None, str | None, str | None]:
    """(access key, region, service) claimed by a request, cheaply and without checking it.

    Dev mode needs no more than this, and routing uses it to tell services apart.
    """
    header = request.header("authorization")
    if header:
        m = _CREDENTIAL.search(header)
        if m:
            return m.group(1), m.group(2) or None, m.group(3) or None
        return None, None, None
    if "X-Amz-Credential" in request.query:
        m = _QUERY_CREDENTIAL.search(request.query)
        if m:
            parts = unquote(m.group(1)).split("/")
            if len(parts) == 5:
                return parts[0], parts[2] or None, parts[3] or None
    return None, None, None
