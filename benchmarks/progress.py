"""Progress lines for the person running the benchmarks."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the table."""
    print(message, file=sys.stderr, flush=True)
