"""Fixtures of the function worker tests: a pool over a temporary state directory, and
functions written into temporary code directories."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from eventyard.runtime.functions.types import FunctionCode, InvocationRequest, InvocationResult
from eventyard.runtime.functions.workers import WorkerPool

T = TypeVar("T")

ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"


def write_code(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


def function_code(code_dir: Path, handler: str = "app.handler", **changes: Any) -> FunctionCode:
    code = FunctionCode(function_arn=ARN, version="$LATEST", account_id="000000000000", region="us-east-1",
                        function_name="fn", runtime="python3.12", handler=handler, code_dir=code_dir,
                        log_group="/aws/lambda/fn", revision="r1", endpoint_url="http://127.0.0.1:4566")
    return replace(code, **changes)


def request(payload: bytes = b"{}") -> InvocationRequest:
    return InvocationRequest(request_id=str(uuid.uuid4()), payload=payload)


class PoolDriver:
    """Runs coroutines against one WorkerPool on one event loop for the whole test."""

    def __init__(self, state_dir: Path, loop: asyncio.AbstractEventLoop | None = None, **options: Any) -> None:
        self.loop = loop or asyncio.new_event_loop()
        self.pool = WorkerPool(state_dir, **options)

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        async def call() -> T:
            return await make()
        return self.loop.run_until_complete(call())

    def invoke(self, code: FunctionCode, invocation: InvocationRequest | None = None) -> InvocationResult:
        return self.run(lambda: self.pool.invoke(code, invocation or request()))

    def close(self) -> None:
        self.run(self.pool.close)
        self.loop.close()


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[PoolDriver]:
    pool_driver = PoolDriver(tmp_path / "state")
    try:
        yield pool_driver
    finally:
        pool_driver.close()
