"""Store URLs for tests (a plain module: ``conftest`` names several modules under xdist)."""

from __future__ import annotations

from pathlib import Path


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'yard.db'}"
