"""The durable job runtime, in process on both backends with a controlled clock: due jobs
run once per claim, their outcome is recorded in the unit that finishes them, failures
are retried after a backoff, and a year-long wait fires when the clock gets there."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eventyard.core import clock
from eventyard.runtime.jobs import Again, Finished, JobRuntime, retry_delay_ms
from eventyard.runtime.wakeups import Wakeups
from eventyard.store import Session, Store, notifications, open_store
from eventyard.store.jobs import JobRecord, NewJob

T0 = 1_700_000_000_000
YEAR = 365 * 24 * 3600 * 1000
GENEROUS = 30.0


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    current = [T0]
    monkeypatch.setattr(clock, "epoch", lambda: current[0] / 1000)
    return current


class Recorder:
    """A handler that records what it ran and answers from a script."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.ran: list[JobRecord] = []

    async def run(self, job: JobRecord) -> Finished | Again | None:
        self.ran.append(job)
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        return answer


def add(store: Store, kind: str, due: int, key: str | None = None, n: int = 0) -> None:
    store.write_sync(lambda s: s.jobs.add(NewJob(kind=kind, payload={"n": n}, created_at=T0, due_at=due, key=key)))


def pending(store: Store) -> int:
    return store.read_sync(lambda s: s.jobs.pending())


def test_a_wait_of_a_year_runs_when_the_clock_gets_there(store: Store, now: list[int]) -> None:
    handler = Recorder()
    jobs = JobRuntime(store)
    jobs.register("wait", handler)
    add(store, "wait", T0 + YEAR)
    assert asyncio.run(jobs.run_due()) == 0
    now[0] = T0 + YEAR
    assert asyncio.run(jobs.run_due()) == 1
    assert [j.payload for j in handler.ran] == [{"n": 0}] and pending(store) == 0


def test_finished_applies_its_result_in_the_unit_that_drops_the_job(store: Store, now: list[int]) -> None:
    seen: list[int] = []

    def apply(s: Session) -> None:
        seen.append(s.jobs.pending("wait"))  # the row is gone in this very unit
        s.jobs.add(NewJob(kind="next", payload={"from": "apply"}, created_at=T0, due_at=T0))

    jobs = JobRuntime(store)
    jobs.register("wait", Recorder(Finished(apply)))
    add(store, "wait", T0)
    assert asyncio.run(jobs.run_due()) == 1
    assert seen == [0]
    assert store.read_sync(lambda s: s.jobs.pending("next")) == 1 and pending(store) == 1


def test_a_job_taken_over_by_another_worker_is_not_applied_twice(store: Store, now: list[int]) -> None:
    applied: list[str] = []

    class SlowHandler:
        async def run(self, job: JobRecord) -> Finished:
            # meanwhile its lease ran out and another worker took the job over
            now[0] = T0 + jobs.lease_ms
            store.write_sync(lambda s: s.jobs.claim(["wait"], now=now[0], lease_until=now[0] + 1000, limit=1))
            return Finished(lambda s: applied.append("late"))

    jobs = JobRuntime(store)
    jobs.register("wait", SlowHandler())
    add(store, "wait", T0)
    asyncio.run(jobs.run_due())
    assert applied == [] and pending(store) == 1  # the other worker's claim decides


def test_again_reschedules_with_a_new_payload(store: Store, now: list[int]) -> None:
    handler = Recorder(Again(T0 + 500, {"n": 1}), None)
    jobs = JobRuntime(store)
    jobs.register("step", handler)
    add(store, "step", T0)
    asyncio.run(jobs.run_due())
    assert pending(store) == 1 and asyncio.run(jobs.run_due()) == 0
    now[0] = T0 + 500
    assert asyncio.run(jobs.run_due()) == 1
    assert [j.payload["n"] for j in handler.ran] == [0, 1] and pending(store) == 0


def test_a_failing_handler_is_retried_after_a_backoff(store: Store, now: list[int]) -> None:
    handler = Recorder(RuntimeError("boom"), None)
    jobs = JobRuntime(store)
    jobs.register("wait", handler)
    add(store, "wait", T0)
    asyncio.run(jobs.run_due())
    [row] = store.write_sync(lambda s: s.jobs.claim(["wait"], now=T0 + YEAR, lease_until=T0, limit=1))
    assert row.last_error == "RuntimeError: boom"
    store.write_sync(lambda s: s.jobs.reschedule(row, due_at=T0 + retry_delay_ms(1)))  # put it back as it was
    now[0] = T0 + retry_delay_ms(1) - 1
    assert asyncio.run(jobs.run_due()) == 0
    now[0] = T0 + retry_delay_ms(1)
    assert asyncio.run(jobs.run_due()) == 1 and pending(store) == 0


def test_retry_delays_grow_and_are_capped() -> None:
    assert [retry_delay_ms(n) for n in (1, 2, 3)] == [1000, 2000, 4000]
    assert retry_delay_ms(50) == 300_000


def test_only_registered_kinds_are_claimed(store: Store, now: list[int]) -> None:
    jobs = JobRuntime(store)
    jobs.register("wait", Recorder())
    add(store, "wait", T0)
    add(store, "someone-elses", T0)
    assert asyncio.run(jobs.run_due()) == 1
    assert store.read_sync(lambda s: s.jobs.pending("someone-elses")) == 1


def test_the_started_runtime_runs_a_kicked_job(store: Store) -> None:
    async def scenario() -> None:
        handler = Recorder()
        jobs = JobRuntime(store, idle_seconds=3600)  # only a kick can bring the job in time
        jobs.register("wait", handler)
        jobs.start()
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            await store.write(lambda s: s.jobs.add(NewJob(kind="wait", payload={}, created_at=T0, due_at=T0)))
            jobs.kick()
            while not handler.ran:
                assert loop.time() < deadline
                await asyncio.sleep(0.005)
        finally:
            await jobs.stop()

    asyncio.run(scenario())


def test_without_handlers_nothing_starts(store: Store) -> None:
    async def scenario() -> None:
        jobs = JobRuntime(store)
        jobs.start()
        assert jobs._task is None
        await jobs.stop()

    asyncio.run(scenario())


class Watched(JobRuntime):
    """Records each pause the loop decides on after finding nothing to run: once one is
    recorded, the loop waits out that pause unless woken."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pauses: list[float] = []

    async def _until_next_due(self) -> float:
        pause = await super()._until_next_due()
        self.pauses.append(pause)
        return pause


async def _until(condition: Any, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GENEROUS
    while not condition():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.005)


@pytest.mark.usefixtures("other_node")
def test_a_job_added_on_another_node_wakes_this_nodes_job_loop(fresh_postgres_url: str) -> None:
    """Two stores on one PostgreSQL database stand for two nodes. This node's loop would
    look again only after an hour; the other node's adds (a job, then the same keyed job
    made due sooner) wake it through the store's notifications."""
    here, there = open_store(fresh_postgres_url), open_store(fresh_postgres_url)
    try:
        async def scenario() -> None:
            handler = Recorder()
            wakeups = Wakeups()
            wakeups.start(here)
            jobs = Watched(here, wakeups, idle_seconds=3600)
            jobs.register("wait", handler)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            while True:  # the listener subscribes asynchronously: until it hears a commit
                with wakeups.watch("probe:1") as probe:
                    await there.write(lambda s: notifications.wake(s, "probe", 1))
                    if await probe.wait(0.2) or loop.time() > deadline:
                        break
            assert probe.fired
            jobs.start()
            try:
                await _until(lambda: jobs.pauses, "the loop never went idle")
                assert jobs.pauses == [3600]  # nothing to do: it sleeps for the idle hour

                now = clock.now_ms()
                await there.write(lambda s: s.jobs.add(
                    NewJob(kind="wait", payload={"n": 1}, created_at=now, due_at=now)))
                await _until(lambda: handler.ran, "the job added on the other node never ran here")
                await _until(lambda: len(jobs.pauses) >= 2, "the loop never went idle again")

                year = clock.now_ms() + YEAR  # a keyed timeout far away, then made due now
                await there.write(lambda s: s.jobs.add(
                    NewJob(kind="wait", payload={"n": 2}, created_at=now, due_at=year, key="timeout")))
                await _until(lambda: len(jobs.pauses) >= 3, "the far job's add did not wake the loop")
                assert jobs.pauses[-1] == 3600 and len(handler.ran) == 1
                await there.write(lambda s: s.jobs.add(
                    NewJob(kind="wait", payload={"n": 3}, created_at=now, due_at=clock.now_ms(), key="timeout")))
                await _until(lambda: len(handler.ran) == 2, "the job made due sooner never ran here")
                assert [j.payload["n"] for j in handler.ran] == [1, 3]
                assert all(p == 3600 for p in jobs.pauses)  # no round came from the idle fallback
            finally:
                await jobs.stop()

        asyncio.run(scenario())
    finally:
        there.close()
        here.close()
