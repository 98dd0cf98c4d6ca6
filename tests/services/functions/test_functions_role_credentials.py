"""The credentials a function's workers get: a session of its execution role, kept until
half its life has passed, then a fresh one (and, with it, fresh workers); a role that
does not exist gets the placeholder credentials, looked up again a little later."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.services.functions.credentials import MISSING_ROLE_RECHECK_MS, ExecutionRoleCredentials

ROLE = "arn:aws:iam::123456789012:role/runner"


@dataclass(frozen=True)
class Session:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration_ms: int
    issued_ms: int


def test_a_session_is_kept_for_half_its_life_then_renewed(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(clock, "epoch", lambda: now[0])
    issued: list[tuple[str, str, int]] = []

    async def issue(role_arn: str, session_name: str, seconds: int) -> Session:
        if role_arn != ROLE:
            raise ServiceError("AccessDenied", "no such role")
        issued.append((role_arn, session_name, seconds))
        at = clock.now_ms()
        return Session(f"ASIA{len(issued)}", "secret", f"token-{len(issued)}", at + 3_600_000, at)

    credentials = ExecutionRoleCredentials(issue)

    async def scenario() -> list[tuple[str, str | None, str]]:
        seen = []
        for step_s in (0, 1799, 2):  # the first, still the first, past half an hour: a new one
            now[0] += step_s
            got = await credentials.for_function("123456789012", "fn", ROLE)
            seen.append((got.key_id, got.token, got.stamp))
        missing = await credentials.for_function("123456789012", "fn", ROLE + "-gone")
        seen.append((missing.key_id, missing.token, missing.stamp))
        return seen

    seen = asyncio.run(scenario())
    assert [s[:2] for s in seen] == [("ASIA1", "token-1"), ("ASIA1", "token-1"), ("ASIA2", "token-2"),
                                     ("123456789012", None)]
    assert seen[0][2] != seen[2][2] and seen[3][2] == ""  # workers of the old credentials retire
    assert issued[0][1] == "fn"  # the session is named after the function, as Lambda names it
    assert MISSING_ROLE_RECHECK_MS < 60_000
