"""Who signed the request: SigV4 verification, or dev mode that trusts any credentials.

The credentials a signature may use (``--auth sigv4`` and ``iam``):

- the command line's keys, each its account's root: a dict lookup, the hot path;
- IAM users' access keys (``CredentialSource.long_term``): Active ones only, read on
  every use, so a deleted or deactivated key is refused at once on every node;
- STS's temporary credentials (``CredentialSource.temporary``): the request carries
  ``X-Amz-Security-Token`` (header, or query when presigned) issued for its key id,
  refused with AWS's ExpiredToken once the session's expiry has passed.

The caller's principal (root, IAM user, role session) comes with the ``Caller``.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol
from urllib.parse import unquote

from eventyard.api import sigv4
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest
from eventyard.core import clock as wall_clock
from eventyard.core.access_keys import LONG_TERM_PREFIX, TEMPORARY_PREFIX
from eventyard.core.identity import DEFAULT_ACCOUNT, DEFAULT_REGION, Identity, account_for_access_key, root_arn


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
    # the principal: the account's root unless the key is an IAM user's or a role session's
    principal_arn: str = ""
    principal_kind: str = "root"  # root | user | assumed-role
    principal_name: str | None = None  # the user's or the role's name
    principal_id: str = ""  # GetCallerIdentity's UserId (the account for root)
    role_arn: str | None = None  # assumed-role: the role's ARN (aws:PrincipalArn)
    session_name: str | None = None
    session_policy: str | None = None  # AssumeRole's Policy: narrows what the session may do
    session_expiration_ms: int | None = None  # temporary credentials: when they stop working
    session_tags: tuple[tuple[str, str], ...] = ()  # a role session's tags (aws:PrincipalTag/...)

    def __post_init__(self) -> None:
        if not self.principal_arn:
            object.__setattr__(self, "principal_arn", root_arn(self.account))
        if not self.principal_id:
            object.__setattr__(self, "principal_id", self.account)

    @classmethod
    def of(cls, identity: Identity, region: str, access_key: str | None, service: str | None,
           expiration_ms: int | None = None) -> "Caller":
        return cls(identity.account, region, access_key, service, identity.arn, identity.kind, identity.name,
                   identity.principal_id, identity.role_arn, identity.session_name, identity.session_policy,
                   expiration_ms, identity.session_tags)


class LongTermCredential(Protocol):
    @property
    def secret_access_key(self) -> str: ...

    @property
    def identity(self) -> Identity: ...


class TemporaryCredential(LongTermCredential, Protocol):
    @property
    def expiration_ms(self) -> int: ...


class CredentialSource(Protocol):
    """Keys eventyard issued itself (IAM's and STS's): ``services.sts.IssuedCredentials``."""

    async def long_term(self, access_key_id: str) -> LongTermCredential | None: ...

    async def temporary(self, access_key_id: str, session_token: str) -> TemporaryCredential | None: ...

    async def used(self, access_key_id: str, service: str, region: str) -> None:
        """A request signed with this long-term key was accepted (IAM's GetAccessKeyLastUsed)."""


# ExpiredToken as each protocol family answers it (query: IAM/STS/SNS XML bodies; json:
# Coral's ExpiredTokenException, 400; rest-json: the same code, 403, as Lambda answers)
_EXPIRED_TOKEN = {"query": ("ExpiredToken", 403), "json": ("ExpiredTokenException", 400),
                  "rest-json": ("ExpiredTokenException", 403)}
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"


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
    # none: accept any credentials (dev); sigv4: verify signatures; iam: sigv4, and
    # IAM policies decide (enforced past this class)
    mode: str = "none"
    keys: dict[str, AccessKey] = field(default_factory=dict)
    clock: Callable[[], datetime] = wall_clock.now
    issued: CredentialSource | None = None

    def signed_request(self, request: HttpRequest) -> sigv4.SignedRequest:
        return sigv4.SignedRequest(request.method, request.path, request.query, request.headers, request.body)

    async def identify(self, request: HttpRequest, protocol: str, *, service: str | None = None,
                       anonymous_region: str | None = None) -> Caller:
        """The caller, once its signature holds. ``service``: the signing name the request
        must be scoped to (a request signed for ``sns`` is refused by ``sqs``).
        ``anonymous_region``: set for the few calls AWS takes unsigned (SNS's
        UnsubscribeURL and SubscribeURL, STS's AssumeRoleWithWebIdentity); an unsigned
        one gets a caller without a key."""
        if self.mode == "none":
            access_key, region, scoped = _credential_scope(request)
            if access_key is not None and self.issued is not None and access_key.startswith(_ISSUED_PREFIXES):
                found = await self._trusted_identity(request, access_key)
                if found is not None:
                    return Caller.of(found, region or DEFAULT_REGION, access_key, scoped)
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
            now = self.clock()
            key = self.keys.get(sig.access_key)
            if key is not None and sig.security_token is None:  # the command line's: the hot path
                sigv4.verify(signed, sig, self._secret_for, now)
                return Caller(key.account, sig.region or DEFAULT_REGION, sig.access_key, sig.service)
            sigv4.precheck(signed, sig, now)  # before any lookup: a stale replay costs nothing
            secret, identity, expiration = await self._issued_key(sig, protocol, now)
            sigv4.verify(signed, sig, lambda _: secret, now)
        except sigv4.SigV4Error as exc:
            code, status, message = exc.wire(protocol)
            raise WireError(code, message, status) from None
        if expiration is None and self.issued is not None:
            await self.issued.used(sig.access_key, sig.service, sig.region or DEFAULT_REGION)
        return Caller.of(identity, sig.region or DEFAULT_REGION, sig.access_key, sig.service, expiration)

    async def _issued_key(self, sig: sigv4.Signature, protocol: str,
                          now: datetime) -> tuple[str, Identity, int | None]:
        """(secret, principal, expiry) of a key eventyard issued; SigV4Error("unknown_key")
        for any other, AWS's ExpiredToken for a session past its expiry."""
        if self.issued is None:
            raise sigv4.SigV4Error("unknown_key")
        if sig.security_token is not None:
            session = await self.issued.temporary(sig.access_key, sig.security_token)
            if session is None:
                raise sigv4.SigV4Error("unknown_key")
            if now.timestamp() * 1000 >= session.expiration_ms:
                code, status = _EXPIRED_TOKEN.get(protocol, _EXPIRED_TOKEN["query"])
                raise WireError(code, EXPIRED_TOKEN_MESSAGE, status, query_code="ExpiredToken")
            return session.secret_access_key, session.identity, session.expiration_ms
        if sig.access_key.startswith(TEMPORARY_PREFIX):  # a session's key id without its token
            raise sigv4.SigV4Error("unknown_key")
        found = await self.issued.long_term(sig.access_key)
        if found is None:
            raise sigv4.SigV4Error("unknown_key")
        return found.secret_access_key, found.identity, None

    async def _trusted_identity(self, request: HttpRequest, access_key: str) -> Identity | None:
        """Dev mode: the principal of a key eventyard issued, its signature unchecked."""
        assert self.issued is not None
        if access_key.startswith(TEMPORARY_PREFIX):
            token = _security_token(request)
            session = await self.issued.temporary(access_key, token) if token else None
            return session.identity if session is not None else None
        found = await self.issued.long_term(access_key)
        return found.identity if found is not None else None

    async def principal_of_key(self, access_key: str, secret_key: str | None = None) -> Identity | None:
        """The principal of a long-term access key (the command line's, or an Active IAM
        user's), if its secret is ``secret_key`` (unchecked when None: a key already
        proven, looked up again so that a deactivated key stops working). For sign-ins
        that hold a key pair rather than a signed request (the console)."""
        key = self.keys.get(access_key)
        if key is not None:
            if secret_key is not None and not hmac.compare_digest(key.secret_key.encode(), secret_key.encode()):
                return None
            return Identity.root(key.account)
        if self.issued is None or access_key.startswith(TEMPORARY_PREFIX):
            return None
        found = await self.issued.long_term(access_key)
        if found is None:
            return None
        if secret_key is not None and not hmac.compare_digest(found.secret_access_key.encode(), secret_key.encode()):
            return None
        return found.identity

    def _secret_for(self, access_key: str) -> str | None:
        key = self.keys.get(access_key)
        return key.secret_key if key else None

    def peek_scope(self, request: HttpRequest) -> tuple[str | None, str | None]:
        """(signing service, region) from the credential scope, without verifying."""
        _, region, service = _credential_scope(request)
        return service, region


_ISSUED_PREFIXES = (LONG_TERM_PREFIX, TEMPORARY_PREFIX)
_QUERY_TOKEN = re.compile(r"(?:^|&)X-Amz-Security-Token=([^&]+)")


def _security_token(request: HttpRequest) -> str | None:
    token = request.header("x-amz-security-token")
    if token:
        return token
    if "X-Amz-Security-Token" in request.query:
        m = _QUERY_TOKEN.search(request.query)
        if m:
            return unquote(m.group(1))
    return None


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
