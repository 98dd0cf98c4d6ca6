"""The store interface and the URL-based factory."""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from concurrent.futures import Future
from typing import Callable, TypeVar

from eventyard.store._errors import ConflictError, StoreError
from eventyard.store.session import Session

__all__ = ["ConflictError", "Store", "StoreError", "open_store"]

T = TypeVar("T")
S = TypeVar("S", bound="Store")

DEFAULT_URL = "sqlite:///./.eventyard/yard.db"
ENV_VAR = "EVENTYARD_STORE"


class Store(ABC):
    """Runs units of work in transactions. Thread-safe; usable from async code."""

    url: str
    dialect: str

    @abstractmethod
    def submit_write(self, fn: Callable[[Session], T]) -> "Future[T]":
        """Queue ``fn`` to run in a write transaction; the future resolves after commit."""

    @abstractmethod
    def submit_read(self, fn: Callable[[Session], T]) -> "Future[T]":
        """Queue ``fn`` to run against committed data."""

    @abstractmethod
    def close(self) -> None:
        """Finish queued work and release connections."""

    async def write(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit_write(fn))

    async def read(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit_read(fn))

    def write_sync(self, fn: Callable[[Session], T]) -> T:
        return self.submit_write(fn).result()

    def read_sync(self, fn: Callable[[Session], T]) -> T:
        return self.submit_read(fn).result()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None) -> Store:
    """Open (and migrate) the store named by ``url``, ``$EVENTYARD_STORE`` or the default."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if url.startswith("sqlite:"):
        from eventyard.store.sqlite import SQLiteStore

        return SQLiteStore(url)
    if url.startswith(("postgresql:", "postgres:")):
        from eventyard.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")
