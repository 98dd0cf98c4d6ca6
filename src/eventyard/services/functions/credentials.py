"""The credentials a function's workers run with, as Lambda hands them over: a session
of the function's execution role (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``), issued by eventyard's own STS, named after the function
(``arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION``). Under ``--auth iam`` the role's
policies then decide what the function's AWS calls may do.

One session per (role, function) is kept and reissued once half its life has passed;
its issue time is folded into the workers' revision, so workers started with older
credentials are retired when they go idle, and a running invocation always has at least
half a session's life (30 minutes for a role's default hour, longer than Lambda's
15-minute maximum timeout) before its credentials expire.

A role that does not exist (local development often names a made-up one) gets the
placeholder credentials eventyard accepts when it does not check signatures; the
answer is cached for a short while so an invoke does not read the store each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol

from eventyard.core import clock
from eventyard.core.errors import ServiceError

SESSION_SECONDS = 43_200  # asked for; the role's MaxSessionDuration (default an hour) caps it
MISSING_ROLE_RECHECK_MS = 10_000


class RoleSession(Protocol):
    @property
    def access_key_id(self) -> str: ...

    @property
    def secret_access_key(self) -> str: ...

    @property
    def session_token(self) -> str: ...

    @property
    def expiration_ms(self) -> int: ...

    @property
    def issued_ms(self) -> int: ...


# (role ARN, session name, seconds) -> a session of that role; raises ServiceError when it cannot
IssueSession = Callable[[str, str, int], Awaitable[Any]]


@dataclass(frozen=True)
class WorkerCredentials:
    key_id: str
    secret: str
    token: str | None
    stamp: str  # changes whenever the credentials do (folded into the workers' revision)
    renew_at_ms: int


def placeholder(account: str, now_ms: int) -> WorkerCredentials:
    return WorkerCredentials(account, "test", None, "", now_ms + MISSING_ROLE_RECHECK_MS)


class ExecutionRoleCredentials:
    def __init__(self, issue: IssueSession | None = None) -> None:
        self.issue = issue  # None: no STS wired in (unit tests): placeholders only
        self._held: dict[tuple[str, str, str], WorkerCredentials] = {}

    async def for_function(self, account: str, function_name: str, role_arn: str) -> WorkerCredentials:
        now = clock.now_ms()
        key = (account, function_name, role_arn)
        held = self._held.get(key)
        if held is not None and now < held.renew_at_ms:
            return held
        fresh = await self._issue(account, function_name, role_arn, now)
        self._held[key] = fresh
        return fresh

    async def _issue(self, account: str, function_name: str, role_arn: str, now: int) -> WorkerCredentials:
        if self.issue is None or not role_arn:
            return placeholder(account, now)
        try:
            session: RoleSession = await self.issue(role_arn, function_name, SESSION_SECONDS)
        except ServiceError:  # no such role
            return placeholder(account, now)
        half_life = (session.expiration_ms - session.issued_ms) // 2
        return WorkerCredentials(session.access_key_id, session.secret_access_key, session.session_token,
                                 str(session.issued_ms), session.issued_ms + half_life)
