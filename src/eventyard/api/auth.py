"""Who signed the request: SigV4 verification, or dev mode that trusts any credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from eventyard.api import sigv4
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.core.identity import DEFAULT_REGION, account_for_access_key


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

    def identify(self, request: HttpRequest, protocol: str) -> Caller:
        signed = self.signed_request(request)
        if self.mode == "none":
            try:
                sig = sigv4.parse_signature(signed)
            except sigv4.SigV4Error:
                sig = None
            if sig is None:
                return Caller(account_for_access_key(None), DEFAULT_REGION, None, None)
            return Caller(account_for_access_key(sig.access_key), sig.region or DEFAULT_REGION, sig.access_key, sig.service)
        try:
            sig = sigv4.parse_signature(signed)
            if sig is None:
                raise sigv4.SigV4Error("missing", "Missing Authentication Token")
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
        try:
            sig = sigv4.parse_signature(self.signed_request(request))
        except sigv4.SigV4Error:
            return None, None
        return (sig.service, sig.region) if sig else (None, None)
