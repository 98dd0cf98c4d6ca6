"""The node's background jobs: periodic ones run at start and when kicked, one-off ones
run once; failures are logged and the job goes on; ``stop`` ends them all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from eventyard.runtime.timers import Timers
from eventyard.store import StoreError

LONG = 3600.0  # a period no test waits for: runs come from start and kicks only
GENEROUS = 30.0


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GENEROUS
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.001)


def test_a_periodic_job_runs_at_start_and_again_when_kicked() -> None:
    async def scenario() -> None:
        runs: list[int] = []

        async def job() -> None:
            runs.append(len(runs))

        timers = Timers()
        timers.every(LONG, "counting", job)
        assert runs == []  # nothing runs before the node starts
        timers.start()
        timers.start()  # once per node
        await until(lambda: len(runs) == 1)
        timers.kick("counting")
        await until(lambda: len(runs) == 2)
        await timers.stop()
        assert timers.running == 0

    asyncio.run(scenario())


def test_a_kick_during_a_run_brings_the_next_run_at_once() -> None:
    async def scenario() -> None:
        runs = 0
        release = asyncio.Event()
        timers = Timers()

        async def job() -> None:
            nonlocal runs
            runs += 1
            if runs == 1:
                await release.wait()

        timers.every(LONG, "slow", job)
        timers.start()
        await until(lambda: runs == 1)
        timers.kick("slow")  # while the first run is still going
        release.set()
        await until(lambda: runs == 2)
        await timers.stop()

    asyncio.run(scenario())


def test_a_failing_job_goes_on() -> None:
    async def scenario() -> None:
        runs = 0

        async def job() -> None:
            nonlocal runs
            runs += 1
            raise (StoreError("closed") if runs == 1 else RuntimeError("a bug"))

        timers = Timers()
        timers.every(LONG, "failing", job)
        timers.start()
        await until(lambda: runs == 1)
        timers.kick("failing")
        await until(lambda: runs == 2)
        timers.kick("failing")
        await until(lambda: runs == 3)
        await timers.stop()

    asyncio.run(scenario())


def test_one_off_jobs_run_once_and_stop_cancels_the_rest() -> None:
    async def scenario() -> None:
        done: list[str] = []
        blocked = asyncio.Event()

        async def at_start() -> None:
            done.append("at-start")

        async def soon() -> None:
            done.append("soon")

        async def forever() -> None:
            blocked.set()
            await asyncio.Event().wait()

        timers = Timers()
        timers.at_start("first", at_start)
        timers.start()
        timers.soon("second", soon)
        timers.soon("hanging", forever)
        await until(lambda: sorted(done) == ["at-start", "soon"] and blocked.is_set())
        assert timers.running == 1
        await timers.stop()
        assert timers.running == 0

    asyncio.run(scenario())


def test_jobs_registered_after_start_run_too() -> None:
    async def scenario() -> None:
        runs: list[str] = []

        async def job() -> None:
            runs.append("late")

        timers = Timers()
        timers.start()
        timers.every(LONG, "late", job)
        await until(lambda: runs == ["late"])
        await timers.stop()

    asyncio.run(scenario())
