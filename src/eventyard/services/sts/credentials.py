"""Credentials eventyard issues, and how any node recognises them again.

Temporary credentials are self-contained: the session token is a sealed blob
(``core.sealed``) holding the key id, the secret, the expiry and the identity, under a
key kept once per store (``server_keys``). Any node of a PostgreSQL store opens it
without a lookup, nothing grows per session, and a token cannot be forged or read
without the store's key. As on AWS, a session cannot be revoked one by one before it
expires (AWS's answer is a policy denying by ``aws:TokenIssueTime``).

Long-term keys are IAM's (``session.iam.access_key``), read through ``IamDirectory``
on every request that uses one, uncached: a deleted or deactivated key is refused at
once, on every node.
"""

from __future__ import annotations

import asyncio
import base64
import os
from dataclasses import dataclass
from typing import Any, Protocol

from eventyard.core import clock, sealed
from eventyard.core.access_keys import TEMPORARY_PREFIX, new_access_key_id, new_secret_access_key
from eventyard.core.identity import Identity
from eventyard.store import Store
from eventyard.store.iam import IamAccessKey, IamRole

SERVER_KEY_PURPOSE = "sts"
SESSION_TOKEN = "session-token"
AUTHORIZATION_MESSAGE = "authorization-message"


class IamDirectory(Protocol):
    async def access_key(self, access_key_id: str) -> IamAccessKey | None: ...

    async def role(self, account_id: str, role_name: str) -> IamRole | None: ...

    async def note_used(self, access_key_id: str, service: str, region: str) -> None: ...


# AWS refreshes a key's last use "within four hours"; recording it at most once a minute
# per key keeps a store write off nearly every signed request.
KEY_USE_INTERVAL_MS = 60_000


class StoreIamDirectory:
    """IAM's users' keys and roles, read from the store (``session.iam``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._noted_ms: dict[str, int] = {}

    async def access_key(self, access_key_id: str) -> IamAccessKey | None:
        return await self.store.read(lambda s: s.iam.access_key(access_key_id))

    async def role(self, account_id: str, role_name: str) -> IamRole | None:
        return await self.store.read(lambda s: s.iam.role(account_id, role_name))

    async def note_used(self, access_key_id: str, service: str, region: str) -> None:
        """Record a request this key signed (GetAccessKeyLastUsed), at most once a minute."""
        now = clock.now_ms()
        if now - self._noted_ms.get(access_key_id, -KEY_USE_INTERVAL_MS) < KEY_USE_INTERVAL_MS:
            return
        self._noted_ms[access_key_id] = now
        await self.store.write(lambda s: s.iam.note_access_key_used(access_key_id, now, service, region))


@dataclass(frozen=True)
class SessionCredentials:
    """One set of temporary credentials, as issued and as read back from its token."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration_ms: int
    issued_ms: int
    identity: Identity
    issued_by: str  # the STS operation: GetSessionToken | AssumeRole | AssumeRoleWithWebIdentity

    def as_wire(self) -> dict[str, Any]:
        """The ``Credentials`` member of STS's answers."""
        return {"AccessKeyId": self.access_key_id, "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token, "Expiration": self.expiration_ms / 1000}


class ServerKey:
    """The store's sealing key, made by the first node that needs it, then kept in memory."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: bytes | None = None
        self._lock = asyncio.Lock()

    @property
    def loaded(self) -> bytes | None:
        return self._key

    async def get(self) -> bytes:
        if self._key is None:
            async with self._lock:
                if self._key is None:
                    fresh = base64.b64encode(os.urandom(32)).decode("ascii")
                    now = clock.now_ms()
                    stored = await self.store.read(lambda s: s.server_keys.get(SERVER_KEY_PURPOSE))
                    if stored is None:
                        stored = await self.store.write(lambda s: s.server_keys.put_once(SERVER_KEY_PURPOSE, fresh, now))
                    self._key = base64.b64decode(stored)
        return self._key

    async def for_purpose(self, purpose: str) -> bytes:
        return sealed.derive_key(await self.get(), purpose)


class SessionTokens:
    """Issues temporary credentials and opens their tokens again."""

    def __init__(self, key: ServerKey) -> None:
        self.key = key
        self._token_key: bytes | None = None

    async def _sealing_key(self) -> bytes:
        if self._token_key is None:
            self._token_key = await self.key.for_purpose(SESSION_TOKEN)
        return self._token_key

    async def issue(self, identity: Identity, duration_s: int, issued_by: str) -> SessionCredentials:
        now = clock.now_ms()
        access_key_id = new_access_key_id(identity.account, TEMPORARY_PREFIX)
        secret = new_secret_access_key()
        expiration = (now // 1000 + duration_s) * 1000  # whole seconds, as AWS's answers show
        claims = {"k": access_key_id, "s": secret, "x": expiration, "i": now, "b": issued_by,
                  "a": identity.account, "t": identity.kind, "r": identity.arn, "p": identity.principal_id,
                  "n": identity.name, "ra": identity.role_arn, "sn": identity.session_name,
                  "sp": identity.session_policy, "tg": [list(tag) for tag in identity.session_tags] or None}
        token = sealed.seal({k: v for k, v in claims.items() if v is not None}, await self._sealing_key(), SESSION_TOKEN)
        return SessionCredentials(access_key_id, secret, token, expiration, now, identity, issued_by)

    async def open(self, token: str) -> SessionCredentials | None:
        """The credentials a token was issued with (expired ones too), or None if the
        token is not one this store's key sealed."""
        claims = sealed.unseal(token, await self._sealing_key(), SESSION_TOKEN)
        if claims is None:
            return None
        try:
            identity = Identity(account=claims["a"], kind=claims["t"], arn=claims["r"], principal_id=claims["p"],
                                name=claims.get("n"), role_arn=claims.get("ra"), session_name=claims.get("sn"),
                                session_policy=claims.get("sp"),
                                session_tags=tuple((str(k), str(v)) for k, v in claims.get("tg", [])))
            return SessionCredentials(claims["k"], claims["s"], token, int(claims["x"]), int(claims["i"]), identity,
                                      claims["b"])
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class LongTermKey:
    secret_access_key: str
    identity: Identity


class IssuedCredentials:
    """What ``api.auth.Authenticator`` asks about keys that are not the command line's."""

    def __init__(self, directory: IamDirectory, tokens: SessionTokens) -> None:
        self.directory = directory
        self.tokens = tokens

    async def long_term(self, access_key_id: str) -> LongTermKey | None:
        """An IAM user's Active access key, or None (unknown, deleted or Inactive)."""
        key = await self.directory.access_key(access_key_id)
        if key is None or key.status != "Active":
            return None
        identity = Identity(key.account_id, "user", key.user_arn, key.user_id, name=key.user_name)
        return LongTermKey(key.secret_access_key, identity)

    async def used(self, access_key_id: str, service: str, region: str) -> None:
        """A request signed with this long-term key was accepted."""
        await self.directory.note_used(access_key_id, service, region)

    async def temporary(self, access_key_id: str, session_token: str) -> SessionCredentials | None:
        """The session a token holds, if it is this store's and was issued for this key id."""
        found = await self.tokens.open(session_token)
        if found is None or found.access_key_id != access_key_id:
            return None
        return found
