"""SQLite specifics: pragmas, URL handling, group commit."""

from __future__ import annotations

import threading
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any, Callable

import pytest

from _waiting import PATIENCE
from eventyard.store import _migrations
from eventyard.store import Session, StoreError, open_store
from eventyard.store.sqlite import SQLiteStore


def url(tmp_path: Path, query: str = "") -> str:
    return f"sqlite:///{tmp_path / 'yard.db'}{query}"


def put_tag(arn: str, key: str) -> Callable[[Session], None]:
    return lambda s: s.tags.put(arn, {key: "v"})


def open_sqlite(address: str) -> SQLiteStore:
    store = open_store(address)
    assert isinstance(store, SQLiteStore)
    return store


def test_wal_mode_and_synchronous_full_by_default(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        assert store.read_sync(lambda s: s.scalar("PRAGMA journal_mode")) == "wal"
        assert store.write_sync(lambda s: s.scalar("PRAGMA synchronous")) == 2  # FULL
        assert store.read_sync(lambda s: s.scalar("PRAGMA synchronous")) == 2
        # a 64 MiB page cache on both kinds of connection
        assert store.write_sync(lambda s: s.scalar("PRAGMA cache_size")) == -65536
        assert store.read_sync(lambda s: s.scalar("PRAGMA cache_size")) == -65536


@pytest.mark.parametrize("value, level", [("NORMAL", 1), ("normal", 1), ("EXTRA", 3), ("OFF", 0)])
def test_synchronous_is_settable(tmp_path: Path, value: str, level: int) -> None:
    with open_sqlite(url(tmp_path, f"?synchronous={value}")) as store:
        assert store.write_sync(lambda s: s.scalar("PRAGMA synchronous")) == level


@pytest.mark.parametrize("query", ["?synchronous=SOMETIMES", "?synchronous=", "?synchronus=OFF"])
def test_bad_options_are_refused(tmp_path: Path, query: str) -> None:
    with pytest.raises(StoreError):
        open_store(url(tmp_path, query))


@pytest.mark.parametrize("address", ["sqlite:///:memory:", "sqlite://:memory:", "sqlite://", "sqlite:///"])
def test_in_memory_and_empty_paths_are_refused(address: str) -> None:
    with pytest.raises(StoreError, match="file path"):
        open_store(address)


def test_relative_and_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_sqlite("sqlite:///./sub/rel.db") as store:
        store.write_sync(lambda s: s.tags.put("arn:x", {"k": "v"}))
    assert (tmp_path / "sub" / "rel.db").is_file()
    with open_sqlite(f"sqlite:///{tmp_path}/sub/rel.db") as store:
        assert store.read_sync(lambda s: s.tags.count("arn:x")) == 1


def test_unwritable_location_raises_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path}/file/yard.db")


class WriterGate:
    """Holds the writer thread inside one unit so the next writes queue up behind it."""

    def __init__(self, store: SQLiteStore) -> None:
        self._entered, self._release = threading.Event(), threading.Event()
        self.future = store.submit_write(self._hold)
        assert self._entered.wait(PATIENCE)

    def _hold(self, s: Session) -> None:
        self._entered.set()
        self._release.wait(PATIENCE)

    def open(self) -> None:
        self._release.set()
        self.future.result(PATIENCE)


def test_group_commit_really_groups(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        before = store.commit_count
        gate = WriterGate(store)
        futures = [store.submit_write(put_tag("arn:x", f"k{i}")) for i in range(100)]
        gate.open()
        wait(futures, timeout=30)
        assert all(f.exception() is None for f in futures)
        # One commit for the gate, one shared by all 100 writes.
        assert store.commit_count - before == 2
        assert store.read_sync(lambda s: s.tags.count("arn:x")) == 100


def test_concurrent_threads_share_commits(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        before = store.commit_count

        def writer(t: int) -> None:
            for i in range(100):
                store.write_sync(put_tag(f"arn:{t}", str(i)))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.read_sync(lambda s: s.scalar("SELECT COUNT(*) FROM resource_tags")) == 800
        assert store.commit_count - before < 800


def test_failing_unit_shares_the_group_but_not_its_fate(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        before = store.commit_count
        gate = WriterGate(store)

        def failing(s: Session) -> None:
            s.tags.put("arn:bad", {"k": "v"})
            raise ValueError("no")

        futures: list[Future[Any]] = [store.submit_write(lambda s: s.tags.put("arn:a", {"k": "v"}))]
        futures.append(store.submit_write(failing))
        futures.append(store.submit_write(lambda s: s.tags.put("arn:b", {"k": "v"})))
        gate.open()
        wait(futures, timeout=30)
        assert store.commit_count - before == 2
        assert isinstance(futures[1].exception(), ValueError)
        assert store.read_sync(lambda s: (s.tags.count("arn:a"), s.tags.count("arn:bad"), s.tags.count("arn:b"))) == (1, 0, 1)


def test_unit_that_ends_the_transaction_fails_alone(tmp_path: Path) -> None:
    # Stands in for SQLite aborting the whole transaction (disk full, I/O error): the
    # others' work was lost with it, so they must run again, not be acknowledged.
    with open_sqlite(url(tmp_path)) as store:
        gate = WriterGate(store)
        futures: list[Future[Any]] = [store.submit_write(lambda s: s.tags.put("arn:a", {"k": "v"}))]
        futures.append(store.submit_write(lambda s: s.execute("ROLLBACK")))
        futures.append(store.submit_write(lambda s: s.tags.put("arn:b", {"k": "v"})))
        gate.open()
        wait(futures, timeout=30)
        assert isinstance(futures[1].exception(), StoreError)
        assert futures[0].exception() is None and futures[2].exception() is None
        assert store.read_sync(lambda s: (s.tags.count("arn:a"), s.tags.count("arn:b"))) == (1, 1)
        store.write_sync(lambda s: s.tags.put("arn:c", {"k": "v"}))  # the writer still works


def test_cancelled_write_never_runs(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        gate = WriterGate(store)
        doomed = store.submit_write(lambda s: s.tags.put("arn:doomed", {"k": "v"}))
        assert doomed.cancel()
        kept = store.submit_write(lambda s: s.tags.put("arn:kept", {"k": "v"}))
        gate.open()
        kept.result(PATIENCE)
        assert store.read_sync(lambda s: (s.tags.count("arn:doomed"), s.tags.count("arn:kept"))) == (0, 1)


def test_two_stores_on_one_file(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as one, open_sqlite(url(tmp_path)) as two:
        one.write_sync(lambda s: s.tags.put("arn:x", {"one": "1"}))
        two.write_sync(lambda s: s.tags.put("arn:x", {"two": "2"}))
        assert one.read_sync(lambda s: s.tags.get("arn:x")) == {"one": "1", "two": "2"}
        applied = two.read_sync(lambda s: s.scalar("SELECT COUNT(*) FROM schema_migrations"))
        assert applied == len(_migrations.load("sqlite"))  # each applied once


def test_opening_waits_while_another_process_holds_the_file(tmp_path: Path) -> None:
    """A second node opening the file while the first holds an exclusive lock (as when it
    switches a new file to WAL) waits for the lock instead of failing."""
    import sqlite3
    import time

    path = tmp_path / "yard.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t(x)")
    holder.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release() -> None:
        time.sleep(0.5)
        holder.execute("COMMIT")
        released.set()

    threading.Thread(target=release, daemon=True).start()
    store = open_sqlite(url(tmp_path))
    try:
        assert released.is_set()
        store.write_sync(put_tag("arn:aws:sqs:us-east-1:000000000000:q", "k"))
    finally:
        store.close()
        holder.close()


def test_new_stores_use_2k_pages_and_existing_stores_keep_theirs(tmp_path: Path) -> None:
    with open_sqlite(url(tmp_path)) as store:
        assert store.read_sync(lambda s: s.scalar("PRAGMA page_size")) == 2048
    # a store created with SQLite's default page size (as eventyard did before) opens,
    # keeps its page size, and works
    import sqlite3

    older = tmp_path / "older"
    older.mkdir()
    conn = sqlite3.connect(older / "yard.db")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE keep_me (x)")
    conn.close()
    with open_sqlite(url(older)) as store:
        assert store.read_sync(lambda s: s.scalar("PRAGMA page_size")) == 4096
        store.write_sync(put_tag("arn:x", "k"))
        assert store.read_sync(lambda s: s.tags.count("arn:x")) == 1


def test_one_server_per_file_others_may_still_open_it(tmp_path: Path) -> None:
    """``exclusive`` (what ``serve`` asks for) refuses a second server on the file while
    the first holds it; plain opens (scripts, tests reading the store) are not refused."""
    with open_store(url(tmp_path), exclusive=True) as serving:
        with pytest.raises(StoreError, match="another eventyard server .* is already serving"):
            open_store(url(tmp_path), exclusive=True)
        with open_store(url(tmp_path)) as reader:
            serving.write_sync(put_tag("arn:x", "k"))
            assert reader.read_sync(lambda s: s.tags.get("arn:x")) == {"k": "v"}
    with open_store(url(tmp_path), exclusive=True):  # released on close
        pass
    with pytest.raises(StoreError, match="synchronous must be one of"):
        open_store(url(tmp_path, "?synchronous=bogus"), exclusive=True)
    with open_store(url(tmp_path), exclusive=True):  # a failed open holds nothing
        pass
