"""Waiting in tests for something to happen, on a busy machine.

A test never sleeps a fixed time and never asserts how fast something ran: it polls for
the condition it needs, with a deadline far beyond any normal wait (``PATIENCE``), so
that only a real failure, never a slow machine, ends the wait unmet. ``PATIENCE`` stays
well under pytest-timeout's 120 s per test (pyproject.toml), so a test that waits once
fails with its own message rather than a timeout's stack dump.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

PATIENCE = 60.0  # seconds

__all__ = ["PATIENCE", "wait_until"]


def wait_until(condition: Callable[[], T], *, timeout: float = PATIENCE, interval: float = 0.05,
               what: str = "the condition") -> T:
    """Call ``condition`` until it returns a truthy value, and return that value; fail the
    test if it is still falsy after ``timeout`` seconds (naming ``what`` and the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}; last seen: {value!r}")
        time.sleep(interval)
