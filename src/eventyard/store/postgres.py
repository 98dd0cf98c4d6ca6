"""PostgreSQL backend: psycopg 3 with a connection pool; many nodes share one database.

Each unit of work runs in its own transaction on a pooled connection, on a small
thread pool. PostgreSQL already groups concurrent commits into one WAL flush.
Serialization failures and deadlocks are retried. Migrations run under an advisory
lock so that nodes starting together apply them once.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool

from eventyard.store import _migrations
from eventyard.store.base import Store, StoreError
from eventyard.store.session import Session

T = TypeVar("T")

_MIGRATION_LOCK = 0x6576_7479  # "evty"
_RETRIES = 5


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str, *, max_size: int = 12) -> None:
        self.url = url
        conninfo = url.replace("postgres://", "postgresql://", 1)
        try:
            self._pool = ConnectionPool(
                conninfo, min_size=2, max_size=max_size, open=True, timeout=30,
                kwargs={"autocommit": False},
            )
            self._pool.wait(timeout=30)
            self._migrate()
        except (psycopg.Error, Exception) as exc:
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open PostgreSQL store: {exc}") from exc
        self._threads = ThreadPoolExecutor(max_workers=max_size, thread_name_prefix="eventyard-pg")
        self._closed = False

    def _migrate(self) -> None:
        with self._pool.connection() as conn:
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
                    conn.execute(
                        "INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (m.version, m.name)
                    )

    def _run(self, fn: Callable[[Session], T], read_only: bool) -> T:
        for attempt in range(_RETRIES):
            with self._pool.connection() as conn:
                try:
                    with conn.transaction():
                        if read_only:
                            conn.execute("SET TRANSACTION READ ONLY")
                        return fn(Session(conn, self.dialect))
                except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                    if attempt == _RETRIES - 1:
                        raise
        raise AssertionError("unreachable")

    def submit_write(self, fn: Callable[[Session], T]) -> "Future[T]":
        if self._closed:
            raise StoreError("store is closed")
        return self._threads.submit(self._run, fn, False)

    def submit_read(self, fn: Callable[[Session], T]) -> "Future[T]":
        if self._closed:
            raise StoreError("store is closed")
        return self._threads.submit(self._run, fn, True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._threads.shutdown(wait=True)
        self._pool.close()
