"""core/clock: every reading derives from epoch(), so one replacement moves them all."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from eventyard.core import clock


def test_now_ms_and_now_follow_a_replaced_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2026, 3, 1, 10, 5, 0, 250_000, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "epoch", lambda: moment.timestamp())
    assert clock.now_ms() == int(moment.timestamp()) * 1000 + 250
    assert clock.now() == moment


def test_now_ms_is_whole_milliseconds_of_the_wall_clock() -> None:
    before = clock.epoch()
    reading = clock.now_ms()
    assert isinstance(reading, int)
    assert int(before * 1000) <= reading <= int(clock.epoch() * 1000)
