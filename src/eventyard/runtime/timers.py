"""Periodic background jobs of a node (schedules, sweeps), each in its own asyncio task.

A job is an ``async`` callable run every ``seconds``; one that fails is logged and run
again at its next period. Jobs that must happen once across nodes make sure of it in
the store (a row moved in the same transaction as the work), not here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from eventyard.store import StoreError

log = structlog.get_logger("eventyard.timers")

Job = Callable[[], Awaitable[object]]


class Timers:
    def __init__(self) -> None:
        self._jobs: list[tuple[str, float, Job]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, seconds: float, name: str, job: Job) -> None:
        self._jobs.append((name, seconds, job))

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(self._loop(name, seconds, job), name=f"eventyard-{name}")
                       for name, seconds, job in self._jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks = []

    @staticmethod
    async def _loop(name: str, seconds: float, job: Job) -> None:
        while True:
            try:
                await job()
            except StoreError:
                log.warning("timer.store_unavailable", job=name)
            except Exception:
                log.exception("timer.job_failed", job=name)
            await asyncio.sleep(seconds)
