"""PostgreSQL backend: psycopg 3 with a connection pool; many nodes share one database.

Each unit of work runs in its own transaction on a pooled connection, on a small
thread pool. PostgreSQL already groups concurrent commits into one WAL flush.
Serialization failures and deadlocks are retried. Migrations run under an advisory
lock so that nodes starting together apply them once.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from eventyard.store import _migrations
from eventyard.store._errors import StoreError
from eventyard.store.base import Store
from eventyard.store import notifications
from eventyard.store.session import Session

# this node's id, as its listener skips what it sent itself; a forked worker draws a new one
_OWN_NODE = notifications.NODE_ID


def _forked() -> None:
    global _OWN_NODE
    _OWN_NODE = notifications.NODE_ID  # notifications' own fork hook ran first (imported first)


os.register_at_fork(after_in_child=_forked)

T = TypeVar("T")

_MIGRATION_LOCK = 0x6576_7479  # "evty"
_RETRIES = 5
_CONNECT_TIMEOUT = 5  # seconds; an unreachable database fails fast instead of hanging
_POOL_WAIT = 10
_LISTEN_POLL = 0.5  # seconds: how soon the listener notices new channels and close()


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str, *, max_size: int = 12) -> None:
        self.url = url
        conninfo = url.replace("postgres://", "postgresql://", 1)
        try:
            params = conninfo_to_dict(conninfo)
        except psycopg.Error as exc:
            raise StoreError(f"bad PostgreSQL URL {url!r}: {exc}") from exc
        kwargs: dict[str, Any] = {"autocommit": False}
        if "connect_timeout" not in params:
            kwargs["connect_timeout"] = _CONNECT_TIMEOUT
        # Connect once directly first: a bad host, port or database name is reported
        # at once with libpq's own message, not as a pool timeout after retries.
        try:
            with psycopg.connect(conninfo, **kwargs) as conn:
                self._migrate(conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open PostgreSQL store: {str(exc).strip()}") from exc
        self._pool = ConnectionPool(conninfo, min_size=2, max_size=max_size, open=False, timeout=30, kwargs=kwargs)
        try:
            self._pool.open(wait=True, timeout=_POOL_WAIT)
        except PoolTimeout as exc:
            self._pool.close()
            raise StoreError(f"cannot open PostgreSQL store: {exc}") from exc
        self._threads = ThreadPoolExecutor(max_workers=max_size, thread_name_prefix="eventyard-pg")
        self._lock = threading.Lock()  # orders submit_* against close()
        self._closed = False
        self._conninfo, self._connect_kwargs = conninfo, kwargs
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        self._listener: threading.Thread | None = None

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for m in _migrations.load(self.dialect):
                if m.version in done:
                    continue
                for stmt in _migrations.statements(m.sql):
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (m.version, m.name))

    def _run(self, fn: Callable[[Session], T], read_only: bool) -> T:
        for attempt in range(_RETRIES):
            with self._pool.connection() as conn:
                conn.read_only = read_only  # sent with BEGIN: no extra round trip
                try:
                    with conn.transaction():
                        return fn(Session(conn, self.dialect))
                except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                    if attempt == _RETRIES - 1:
                        raise
        raise AssertionError("unreachable")

    def _submit(self, fn: Callable[[Session], T], read_only: bool) -> "Future[T]":
        with self._lock:
            if self._closed:
                raise StoreError("store is closed")
            try:
                return self._threads.submit(self._run, fn, read_only)
            except RuntimeError as exc:  # the interpreter is shutting down
                raise StoreError(str(exc)) from exc

    def submit_write(self, fn: Callable[[Session], T]) -> "Future[T]":
        return self._submit(fn, False)

    def submit_read(self, fn: Callable[[Session], T]) -> "Future[T]":
        return self._submit(fn, True)

    # -- LISTEN / NOTIFY ----------------------------------------------------------------
    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        with self._lock:
            if self._closed:
                raise StoreError("store is closed")
            self._listeners.setdefault(channel, []).append(callback)
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen_loop, name="eventyard-pg-listen", daemon=True)
                self._listener.start()

    def _listen_loop(self) -> None:
        """One connection of its own, in autocommit, LISTENing on every channel; it is
        re-established after an error (notifications sent meanwhile are lost)."""
        own = _OWN_NODE + ":"
        while not self._closed:
            try:
                with psycopg.connect(self._conninfo, **{**self._connect_kwargs, "autocommit": True}) as conn:
                    listening: set[str] = set()
                    while not self._closed:
                        with self._lock:
                            wanted = {ch: list(cbs) for ch, cbs in self._listeners.items()}
                        for channel in wanted.keys() - listening:
                            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                            listening.add(channel)
                        for note in conn.notifies(timeout=_LISTEN_POLL):
                            if note.payload.startswith(own):
                                continue  # this node signalled itself already
                            payload = note.payload.split(":", 1)[-1]
                            for callback in wanted.get(note.channel, ()):
                                try:
                                    callback(payload)
                                except Exception:  # noqa: BLE001 - a listener's bug must not stop the others
                                    pass
            except psycopg.Error:
                if not self._closed:
                    time.sleep(_LISTEN_POLL)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._threads.shutdown(wait=True)  # queued units finish first
        self._pool.close()
        if self._listener is not None:
            self._listener.join(timeout=5 * _LISTEN_POLL)
