"""The node's outbound HTTP: one pool per certificate mode, reopened after close; the
pacer spaces calls per destination and refuses waits over its bound."""

from __future__ import annotations

import asyncio
import math

from eventyard.runtime.http import OutboundHttp, Pacer


def test_pacer_spaces_calls_per_destination_and_refuses_long_waits() -> None:
    now = [100.0]
    pacer = Pacer(max_wait=1.0, clock=lambda: now[0])
    assert [pacer.reserve("a", 4) for _ in range(5)] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert pacer.reserve("a", 4) is None  # would wait 1.25 s: nothing reserved
    assert pacer.reserve("b", 4) == 0.0  # destinations do not share slots
    assert pacer.reserve("a", 4, max_wait=math.inf) == 1.25  # an unbounded caller (SNS) waits its turn
    now[0] += 3.0
    assert pacer.reserve("a", 4) == 0.0


def test_one_client_per_certificate_mode_shared_and_reopened_after_close() -> None:
    async def scenario() -> None:
        http = OutboundHttp()
        checked, unchecked = http.client(), http.client(verify=False)
        assert checked is http.client(verify=True) and unchecked is http.client(verify=False)
        assert checked is not unchecked
        assert checked.follow_redirects is False and not checked.trust_env
        await http.aclose()
        assert checked.is_closed and unchecked.is_closed
        again = http.client()
        assert again is not checked and not again.is_closed
        await http.aclose()

    asyncio.run(scenario())
