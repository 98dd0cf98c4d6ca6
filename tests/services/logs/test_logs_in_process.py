"""CloudWatch Logs in process, on both backends, with a controlled clock: the retention
sweep deletes what a group no longer keeps, and the StoreLogSink other services write
through (groups and streams made on demand, concurrent puts committed together, never an
error for the caller)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.services.logs.service import DAY_MS, LogsService
from eventyard.services.logs.sink import StoreLogSink
from eventyard.services.logs.types import LogEvent, LogSink
from eventyard.store import Store

T0 = 1_700_000_000_000
CTX = RequestContext(account="123456789012", region="us-east-1")


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    current = [T0]
    monkeypatch.setattr(clock, "epoch", lambda: current[0] / 1000)
    return current


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_the_retention_sweep_deletes_what_the_group_no_longer_keeps(store: Store, now: list[int]) -> None:
    logs = LogsService(store)

    async def scenario() -> list[str]:
        await logs.create_log_group(CTX, {"logGroupName": "g"})
        await logs.create_log_stream(CTX, {"logGroupName": "g", "logStreamName": "s"})
        for age_days, message in ((5, "old"), (2, "middle"), (0, "new")):
            await logs.put_log_events(CTX, {"logGroupName": "g", "logStreamName": "s", "logEvents": [
                {"timestamp": T0 - age_days * DAY_MS, "message": message}]})
        await logs.put_retention_policy(CTX, {"logGroupName": "g", "retentionInDays": 3})
        await logs.retention.run_once()
        now[0] += 2 * DAY_MS  # "middle" is now four days old
        await logs.retention.run_once()
        return []

    run(scenario())
    rows = store.read_sync(lambda s: [e.message for g in [s.logs.group(CTX.account, CTX.region, "g")] if g
                                      for e in s.logs.group_events(g.id, stream_ids=None, start_ms=None,
                                                                   end_ms=None, after=None, limit=100)])
    assert rows == ["new"]


def test_the_sink_makes_groups_and_streams_and_keeps_order(store: Store, now: list[int]) -> None:
    sink: LogSink = StoreLogSink(store)
    logs = LogsService(store)

    async def scenario() -> dict[str, Any]:
        await asyncio.gather(*(sink.put(CTX.account, CTX.region, "/aws/lambda/f", f"2023/11/14/[$LATEST]{i % 2}",
                                        [LogEvent(T0 + i, f"line {i}")]) for i in range(20)))
        await sink.put(CTX.account, CTX.region, "/aws/lambda/f", "2023/11/14/[$LATEST]0",
                       [LogEvent(T0 + 100, "b"), LogEvent(T0 + 99, "a")])  # sorted on the way in
        await sink.put(CTX.account, CTX.region, "/aws/lambda/f", "s", [])
        return await logs.filter_log_events(CTX, {"logGroupName": "/aws/lambda/f"})

    found = run(scenario())
    messages = [e["message"] for e in found["events"]]
    assert messages == [f"line {i}" for i in range(20)] + ["a", "b"]
    assert {s["logStreamName"] for s in found["searchedLogStreams"]} == {"2023/11/14/[$LATEST]0",
                                                                         "2023/11/14/[$LATEST]1"}


def test_the_sink_never_raises_for_the_callers_data(store: Store, now: list[int]) -> None:
    sink = StoreLogSink(store)
    huge = "x" * 300_000  # more than one event holds: clipped, not refused

    async def scenario() -> None:
        await sink.put(CTX.account, CTX.region, "g", "s", [LogEvent(T0, huge)])
        await sink.put(CTX.account, CTX.region, "bad:name?", "s", [LogEvent(T0, "kept anyway")])

    run(scenario())
    kept = store.read_sync(lambda s: s.logs.group(CTX.account, CTX.region, "g"))
    assert kept is not None and kept.stored_bytes == 262_144


def test_appended_events_are_written_together_off_the_callers_path(store: Store, now: list[int]) -> None:
    """``append`` returns at once; one flush later the events of many appends are in, in
    one commit; the Logs API reads this node's own appends at once (it flushes first)."""
    logs = LogsService(store)
    sink = logs.sink
    sink.flush_seconds = 3600.0  # only a read or a flush writes them here

    def stored() -> list[str]:
        return store.read_sync(lambda s: [e.message for g in [s.logs.group(CTX.account, CTX.region, "/aws/lambda/a")]
                                          if g for e in s.logs.group_events(g.id, stream_ids=None, start_ms=None,
                                                                            end_ms=None, after=None, limit=100)])

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        for i in range(5):
            sink.append(CTX.account, CTX.region, "/aws/lambda/a", "s", [LogEvent(T0 + i, f"line {i}")])
        before = stored()
        found = await logs.filter_log_events(CTX, {"logGroupName": "/aws/lambda/a"})
        sink.append(CTX.account, CTX.region, "/aws/lambda/a", "s", [LogEvent(T0 + 9, "last")])
        await sink.close()
        return before, [e["message"] for e in found["events"]], stored()

    before, read, after = run(scenario())
    assert before == []  # nothing written on the caller's path
    assert read == [f"line {i}" for i in range(5)]
    assert after == read + ["last"]  # close() writes what is buffered


def test_appended_events_are_written_within_the_flush_interval(store: Store, now: list[int]) -> None:
    sink = StoreLogSink(store, flush_seconds=0.01)

    async def scenario() -> list[str]:
        sink.append(CTX.account, CTX.region, "g", "s", [LogEvent(T0, "soon")])
        deadline = asyncio.get_running_loop().time() + 30
        while asyncio.get_running_loop().time() < deadline:
            group = store.read_sync(lambda s: s.logs.group(CTX.account, CTX.region, "g"))
            if group is not None and group.stored_bytes:
                return ["written"]
            await asyncio.sleep(0.01)
        return []

    assert run(scenario()) == ["written"]


def test_a_flush_under_steady_appends_returns(store: Store, now: list[int]) -> None:
    """A flush waits for what was appended before it, not for appends that keep coming."""
    sink = StoreLogSink(store, flush_seconds=0.0)

    async def scenario() -> None:
        stop = False

        async def steady() -> None:
            while not stop:
                sink.append(CTX.account, CTX.region, "g", "s", [LogEvent(T0, "x")])
                await asyncio.sleep(0.001)  # about as often as a busy node invokes

        task = asyncio.ensure_future(steady())
        await asyncio.sleep(0.05)
        await asyncio.wait_for(sink.flush(), 30)
        stop = True
        await task
        await sink.close()

    run(scenario())
