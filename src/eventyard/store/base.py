"""The store interface and the URL-based factory."""

from __future__ import annotations

import asyncio
import os
import uuid
from abc import ABC, abstractmethod
from concurrent.futures import Future
from typing import Callable, TypeVar

from eventyard.store._errors import ConflictError, StoreError
from eventyard.store.session import Session

__all__ = ["ConflictError", "NODE_ID", "Store", "StoreError", "notify", "open_store"]

T = TypeVar("T")
S = TypeVar("S", bound="Store")

DEFAULT_URL = "sqlite:///./.eventyard/yard.db"
ENV_VAR = "EVENTYARD_STORE"

# This process as the sender of notifications: a node's listeners skip its own.
NODE_ID = uuid.uuid4().hex


def notify(s: Session, channel: str, payload: str) -> None:
    """Inside a unit of work: tell the other nodes listening on ``channel`` (see
    ``Store.listen``), when and only if the unit commits. PostgreSQL sends it with
    ``pg_notify`` (identical notifications of one transaction are sent once); on SQLite
    every writer is in this process, which signals itself, so nothing is sent."""
    if s.dialect == "postgres":
        s.execute("SELECT pg_notify(?, ?)", (channel, f"{NODE_ID}:{payload}"))


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


def open_store(url: str | None = None, *, exclusive: bool = False) -> Store:
    """Open (and migrate) the store named by ``url``, ``$EVENTYARD_STORE`` or the default.

    ``exclusive``: this process serves the store, and no other server may serve the same
    SQLite file while it runs (PostgreSQL is shared by design: the flag changes nothing)."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if url.startswith("sqlite:"):
        from eventyard.store.sqlite import SQLiteStore

        return SQLiteStore(url, exclusive=exclusive)
    if url.startswith(("postgresql:", "postgres:")):
        from eventyard.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")
