"""The store contract: every backend passes the same tests (via ``store_url``)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future, wait
from typing import Callable

import pytest

from eventyard.store import ConflictError, Session, Store, StoreError, open_store
from eventyard.store.event_buses import EventBusRecord

ACCOUNT, REGION = "000000000000", "us-east-1"


def bus(name: str, *, account: str = ACCOUNT, region: str = REGION, description: str | None = None) -> EventBusRecord:
    arn = f"arn:aws:events:{region}:{account}:event-bus/{name}"
    return EventBusRecord(account, region, name, arn, description, None, None, None, None, 1_500, 2_500)


def insert(name: str) -> Callable[[Session], bool]:
    return lambda s: s.event_buses.insert(bus(name))


def put_tag(arn: str, key: str, value: str = "v") -> Callable[[Session], None]:
    return lambda s: s.tags.put(arn, {key: value})


def names(store: Store, *, prefix: str | None = None, after: str | None = None, limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.event_buses.list(ACCOUNT, REGION, prefix=prefix, after=after, limit=limit))
    return [b.name for b in found]


def migration_versions(store: Store) -> list[int]:
    return store.read_sync(lambda s: [r[0] for r in s.all("SELECT version FROM schema_migrations ORDER BY version")])


# -- migrations and lifecycle ---------------------------------------------------
def test_migrations_apply_once_and_reopen_is_idempotent(store_url: str) -> None:
    with open_store(store_url) as first:
        versions = migration_versions(first)
        first.write_sync(lambda s: s.event_buses.insert(bus("kept")))
    assert versions and versions == sorted(set(versions)) and versions[0] == 1
    with open_store(store_url) as again:
        assert migration_versions(again) == versions
        assert names(again) == ["kept"]


def test_data_survives_close_and_reopen(store_url: str) -> None:
    with open_store(store_url) as store:
        store.write_sync(lambda s: s.event_buses.insert(bus("orders", description="d")))
        store.write_sync(lambda s: s.tags.put(bus("orders").arn, {"team": "core"}))
    with open_store(store_url) as store:
        assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "orders")) == bus("orders", description="d")
        assert store.read_sync(lambda s: s.tags.get(bus("orders").arn)) == {"team": "core"}


def test_close_is_idempotent_and_refuses_later_work(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError):
        store.submit_write(lambda s: None)
    with pytest.raises(StoreError):
        store.submit_read(lambda s: None)


def test_close_finishes_queued_writes(store_url: str) -> None:
    store = open_store(store_url)
    futures = [store.submit_write(insert(f"b{i:03}")) for i in range(50)]
    store.close()
    assert all(f.result(timeout=0) for f in futures)
    with open_store(store_url) as again:
        assert len(names(again)) == 50


# -- event buses -----------------------------------------------------------------
def test_event_bus_insert_get_delete(store: Store) -> None:
    record = bus("orders", description="Orders")
    assert store.write_sync(lambda s: s.event_buses.insert(record)) is True
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "orders")) == record
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, "eu-west-1", "orders")) is None
    assert store.read_sync(lambda s: s.event_buses.exists_arn(record.arn)) is True
    assert store.write_sync(lambda s: s.event_buses.delete(ACCOUNT, REGION, "orders")) is True
    assert store.write_sync(lambda s: s.event_buses.delete(ACCOUNT, REGION, "orders")) is False
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "orders")) is None
    assert store.read_sync(lambda s: s.event_buses.exists_arn(record.arn)) is False


def test_event_bus_insert_if_absent_keeps_the_first(store: Store) -> None:
    assert store.write_sync(lambda s: s.event_buses.insert(bus("b", description="one"), if_absent=True)) is True
    assert store.write_sync(lambda s: s.event_buses.insert(bus("b", description="two"), if_absent=True)) is False
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "b")).description == "one"  # type: ignore[union-attr]


def test_duplicate_insert_raises_conflict_and_changes_nothing(store: Store) -> None:
    store.write_sync(lambda s: s.event_buses.insert(bus("b", description="one")))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.event_buses.insert(bus("b", description="two")))
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "b")).description == "one"  # type: ignore[union-attr]


def test_event_bus_list_orders_by_code_point_with_prefix_after_and_limit(store: Store) -> None:
    # Mixed case and punctuation: a locale collation would order these differently.
    all_names = ["B", "Z", "_x", "a", "a-1", "a.2", "ab", "b", "\u00e9"]
    store.write_sync(lambda s: [s.event_buses.insert(bus(n)) for n in reversed(all_names)])
    store.write_sync(lambda s: s.event_buses.insert(bus("other-region", region="eu-west-1")))
    store.write_sync(lambda s: s.event_buses.insert(bus("other-account", account="111111111111")))
    assert names(store) == sorted(all_names)
    assert names(store, prefix="a") == ["a", "a-1", "a.2", "ab"]
    assert names(store, prefix="a", after="a-1") == ["a.2", "ab"]
    assert names(store, prefix="zz") == []
    assert names(store, limit=3) == ["B", "Z", "_x"]
    assert names(store, after="Z", limit=2) == ["_x", "a"]
    assert names(store, after="\u00e9") == []


def test_event_bus_pages_cover_everything_once(store: Store) -> None:
    wanted = [f"bus-{i:02}" for i in range(23)]
    store.write_sync(lambda s: [s.event_buses.insert(bus(n)) for n in wanted])
    seen: list[str] = []
    after = None
    while True:
        page = names(store, after=after, limit=5)
        seen += page
        if len(page) < 5:
            break
        after = page[-1]
    assert seen == wanted


# -- tags ------------------------------------------------------------------------
def test_tags_put_upsert_get_remove_count(store: Store) -> None:
    arn, other = bus("a").arn, bus("b").arn
    store.write_sync(lambda s: s.tags.put(arn, {"b": "2", "a": "1"}))
    store.write_sync(lambda s: s.tags.put(other, {"a": "other"}))
    assert store.read_sync(lambda s: s.tags.get(arn)) == {"a": "1", "b": "2"}
    assert list(store.read_sync(lambda s: s.tags.get(arn))) == ["a", "b"]  # ordered by key
    store.write_sync(lambda s: s.tags.put(arn, {"b": "two", "c": "3"}))  # upsert
    assert store.read_sync(lambda s: s.tags.get(arn)) == {"a": "1", "b": "two", "c": "3"}
    assert store.read_sync(lambda s: s.tags.count(arn)) == 3
    store.write_sync(lambda s: s.tags.remove(arn, ["a", "missing"]))
    assert store.read_sync(lambda s: s.tags.get(arn)) == {"b": "two", "c": "3"}
    store.write_sync(lambda s: s.tags.put(arn, {}))
    store.write_sync(lambda s: s.tags.remove(arn, []))
    assert store.read_sync(lambda s: s.tags.count(arn)) == 2
    store.write_sync(lambda s: s.tags.remove_all(arn))
    assert store.read_sync(lambda s: s.tags.get(arn)) == {}
    assert store.read_sync(lambda s: s.tags.count(arn)) == 0
    assert store.read_sync(lambda s: s.tags.get(other)) == {"a": "other"}


# -- units of work -----------------------------------------------------------------
class Boom(Exception):
    pass


def test_failing_unit_rolls_back_alone(store: Store) -> None:
    def failing(s: Session) -> None:
        s.event_buses.insert(bus("half-done"))
        s.tags.put(bus("half-done").arn, {"k": "v"})
        raise Boom()

    # Submitted together so that on SQLite they share one group commit.
    futures: list[Future[object]] = []
    for i in range(40):
        futures.append(store.submit_write(insert(f"ok-{i:02}")))
        if i == 20:
            futures.append(store.submit_write(failing))
    wait(futures, timeout=30)
    errors = [f.exception() for f in futures if f.exception() is not None]
    assert len(errors) == 1 and isinstance(errors[0], Boom)
    assert names(store) == [f"ok-{i:02}" for i in range(40)]
    assert store.read_sync(lambda s: s.tags.count(bus("half-done").arn)) == 0


def test_unit_that_hits_a_conflict_rolls_back_alone(store: Store) -> None:
    store.write_sync(lambda s: s.event_buses.insert(bus("taken")))

    def clash(s: Session) -> None:
        s.tags.put(bus("x").arn, {"k": "v"})
        s.event_buses.insert(bus("taken"))

    futures: list[Future[object]] = [store.submit_write(insert(f"n{i}")) for i in range(5)]
    futures.insert(2, store.submit_write(clash))
    wait(futures, timeout=30)
    assert isinstance(futures[2].exception(), ConflictError)
    assert sum(f.exception() is None for f in futures) == 5
    assert store.read_sync(lambda s: s.tags.count(bus("x").arn)) == 0
    assert names(store) == ["n0", "n1", "n2", "n3", "n4", "taken"]


def test_write_returns_the_units_result(store: Store) -> None:
    assert store.write_sync(lambda s: 42) == 42
    assert store.read_sync(lambda s: s.scalar("SELECT 1 + 1")) == 2


def test_reads_see_every_completed_write(store: Store) -> None:
    for i in range(30):
        store.write_sync(put_tag("arn:x", f"k{i:02}"))
        assert store.read_sync(lambda s: s.tags.count("arn:x")) == i + 1


def test_reads_are_read_only(store: Store) -> None:
    with pytest.raises(Exception):
        store.read_sync(lambda s: s.tags.put("arn:x", {"k": "v"}))
    assert store.read_sync(lambda s: s.tags.count("arn:x")) == 0


def test_concurrent_writes_from_many_threads_all_land(store: Store) -> None:
    threads, per_thread = 8, 200
    failures: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(per_thread):
                store.write_sync(put_tag(f"arn:t{t}", f"k{i:03}", str(i)))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    counts = store.read_sync(lambda s: [s.tags.count(f"arn:t{t}") for t in range(threads)])
    assert counts == [per_thread] * threads


def test_async_write_and_read(store: Store) -> None:
    async def scenario() -> list[str]:
        await asyncio.gather(*(store.write(insert(f"a{i}")) for i in range(20)))
        found = await store.read(lambda s: s.event_buses.list(ACCOUNT, REGION, prefix="a", after=None, limit=100))
        return [b.name for b in found]

    assert sorted(asyncio.run(scenario())) == sorted(f"a{i}" for i in range(20))


def test_async_failure_propagates(store: Store) -> None:
    def failing(s: Session) -> None:
        raise Boom()

    async def scenario() -> None:
        await store.write(failing)

    with pytest.raises(Boom):
        asyncio.run(scenario())


# -- durability ------------------------------------------------------------------------
_CHILD = """
import sys, threading
from eventyard.store import open_store
store = open_store(sys.argv[1])
lock = threading.Lock()
def writer(t):
    for i in range(100000):
        key = f"{t}-{i}"
        store.write_sync(lambda s: s.tags.put("arn:acked", {key: "v"}))
        with lock:  # printed only after write_sync returned: an acknowledgement
            print(key, flush=True)
threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:  # the main thread must stay: exiting shuts the executors down
    t.join()
"""


def test_acknowledged_writes_survive_kill_9(store_url: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, store_url], stdout=subprocess.PIPE, text=True)
    acked: list[str] = []
    try:
        assert proc.stdout is not None
        while len(acked) < 300:
            line = proc.stdout.readline()
            assert line, f"child exited early with {proc.poll()}"
            acked.append(line.strip())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    acked += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]  # type: ignore[union-attr]
    with open_store(store_url) as store:
        stored = store.read_sync(lambda s: s.tags.get("arn:acked"))
    assert set(acked) <= set(stored)
