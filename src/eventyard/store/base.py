"""The store interface; ``factory.open_store`` opens one by URL."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from concurrent.futures import Future
from typing import Callable, TypeVar

from eventyard.store._errors import ConflictError, StoreError
from eventyard.store.session import Session

__all__ = ["ConflictError", "DEFAULT_URL", "ENV_VAR", "Store", "StoreError"]

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

    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(payload)`` for every ``notify`` on ``channel`` committed by
        another node, from a background thread, as long as the store is open. A
        notification may be lost while the connection is re-established, so listeners
        keep a slow fallback. Without other nodes (SQLite) this does nothing."""

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
