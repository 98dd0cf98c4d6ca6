"""SQLite backend: WAL, one writer thread with group commit, pooled readers.

Every write is a unit of work queued to the single writer thread. The writer takes
all units waiting, runs each inside its own SAVEPOINT (a failing unit rolls back
alone), then makes them durable with ONE ``COMMIT`` (``synchronous=FULL`` by default)
before resolving any of their futures. Concurrent requests therefore share one
fsync, and nothing is acknowledged before it is on disk.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import parse_qs, urlsplit

from eventyard.store import _migrations
from eventyard.store.base import Store, StoreError
from eventyard.store.session import Session

T = TypeVar("T")

_MAX_GROUP = 512
_SYNC_MODES = {"OFF", "NORMAL", "FULL", "EXTRA"}
_STOP = object()


def _parse_url(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    # sqlite:///relative/path, sqlite:////absolute/path, sqlite:///:memory: is refused
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if parts.netloc:
        path = parts.netloc + "/" + path
    if not path or path == ":memory:":
        raise StoreError("SQLite store needs a file path: sqlite:///path/to/yard.db")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return path, options


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        self.url = url
        path, options = _parse_url(url)
        self.path = Path(path)
        self.synchronous = options.get("synchronous", "FULL").upper()
        if self.synchronous not in _SYNC_MODES:
            raise StoreError(f"synchronous must be one of {sorted(_SYNC_MODES)}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer_conn = self._connect()
            self._writer_conn.execute("PRAGMA journal_mode=WAL")
            self._migrate(self._writer_conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store at {self.path}: {exc}") from exc
        self._jobs: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._local = threading.local()
        self._readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="eventyard-sqlite-read")
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="eventyard-sqlite-write", daemon=True)
        self._writer.start()

    # -- connections -------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for m in _migrations.load(self.dialect):
                if m.version in done:
                    continue
                for stmt in _migrations.statements(m.sql):
                    conn.execute(stmt)
                conn.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                    (m.version, m.name, time.time()),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- work --------------------------------------------------------------
    def submit_write(self, fn: Callable[[Session], T]) -> "Future[T]":
        if self._closed:
            raise StoreError("store is closed")
        fut: Future[T] = Future()
        self._jobs.put((fn, fut))
        return fut

    def submit_read(self, fn: Callable[[Session], T]) -> "Future[T]":
        return self._readers.submit(self._run_read, fn)

    def _run_read(self, fn: Callable[[Session], T]) -> T:
        conn = self._reader()
        conn.execute("BEGIN")  # one snapshot for the whole unit
        try:
            return fn(Session(conn, self.dialect))
        finally:
            conn.execute("COMMIT")

    def _write_loop(self) -> None:
        conn = self._writer_conn
        session = Session(conn, self.dialect)
        while True:
            first = self._jobs.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < _MAX_GROUP:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stop = True
                    break
                batch.append(job)
            self._run_group(conn, session, batch)
            if stop:
                return

    def _run_group(self, conn: sqlite3.Connection, session: Session, batch: list) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            for _, fut in batch:
                fut.set_exception(StoreError(f"cannot begin transaction: {exc}"))
            return
        for fn, fut in batch:
            if not fut.set_running_or_notify_cancel():
                outcomes.append((False, None))
                continue
            conn.execute("SAVEPOINT unit")
            try:
                result = fn(session)
            except BaseException as exc:  # the unit fails alone
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE unit")
                outcomes.append((True, result))
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK") if conn.in_transaction else None
            error = StoreError(f"commit failed: {exc}")
            for (fn, fut), (ok, value) in zip(batch, outcomes):
                if fut.running():
                    fut.set_exception(value if not ok and value is not None else error)
            return
        for (fn, fut), (ok, value) in zip(batch, outcomes):
            if not fut.running():
                continue
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        self._writer.join()
        self._readers.shutdown(wait=True)
        self._writer_conn.close()
