"""The store contract for the runtime's durable jobs (claims with a lease, fenced finish
and reschedule, keyed jobs), on both backends."""

from __future__ import annotations

import threading

import pytest

from eventyard.store import Store
from eventyard.store.jobs import JobRecord, NewJob

T0 = 1_700_000_000_000
LEASE = 30_000
YEAR = 365 * 24 * 3600 * 1000


def job(n: int, *, due: int = T0, kind: str = "wait", key: str | None = None) -> NewJob:
    return NewJob(kind=kind, payload={"n": n, "nested": [1, "two", None]}, created_at=T0, due_at=due, key=key)


def add(store: Store, *jobs: NewJob) -> list[int]:
    return store.write_sync(lambda s: [s.jobs.add(j) for j in jobs])


def claim(store: Store, *, now: int, kinds: tuple[str, ...] | None = ("wait",), limit: int = 10,
          lease: int = LEASE) -> list[JobRecord]:
    return store.write_sync(lambda s: s.jobs.claim(kinds, now=now, lease_until=now + lease, limit=limit))


def numbers(records: list[JobRecord]) -> list[int]:
    return [r.payload["n"] for r in records]


def test_add_and_claim_round_trip_every_field(store: Store) -> None:
    [job_id] = add(store, job(1, key="token-1"))
    [got] = claim(store, now=T0)
    assert (got.id, got.kind, got.key, got.payload) == (job_id, "wait", "token-1", job(1).payload)
    assert got.attempts == 1 and got.created_at == T0 and got.last_error is None
    assert got.due_at == T0 + LEASE  # hidden until the lease runs out


def test_claim_takes_due_jobs_of_the_given_kinds_earliest_first(store: Store) -> None:
    add(store, job(1, due=T0 + 30), job(2, due=T0 + 10), job(3, due=T0 + 20), job(4, due=T0 + YEAR),
        job(5, kind="heartbeat"))
    assert claim(store, now=T0 - 1, kinds=("wait", "heartbeat")) == []
    assert claim(store, now=T0 + 50, kinds=()) == []
    first = claim(store, now=T0 + 50, limit=2, lease=2 * YEAR)
    assert numbers(first) == [2, 3] and [r.id for r in first] == sorted(r.id for r in first)
    assert numbers(claim(store, now=T0 + 50, lease=2 * YEAR)) == [1]  # the heartbeat is not of these kinds
    assert numbers(claim(store, now=T0 + 50, kinds=("heartbeat",), lease=2 * YEAR)) == [5]
    assert claim(store, now=T0 + YEAR - 1, kinds=("wait", "heartbeat"), lease=2 * YEAR) == []  # all leased
    assert numbers(claim(store, now=T0 + YEAR, lease=2 * YEAR)) == [4]  # a Wait of a year



def test_add_all_stores_unkeyed_jobs_in_one_batch(store: Store) -> None:
    store.write_sync(lambda s: s.jobs.add_all([job(1), job(2, kind="other"), job(3, kind="other-kind")]))
    store.write_sync(lambda s: s.jobs.add_all([]))
    assert store.read_sync(lambda s: (s.jobs.pending(), s.jobs.pending("other"), s.jobs.pending(kind_prefix="other"))) == (
        3, 1, 2)
    with pytest.raises(ValueError):  # a keyed job may replace another: one at a time, with add
        store.write_sync(lambda s: s.jobs.add_all([job(4, key="k")]))
    assert numbers(claim(store, now=T0, kinds=None)) == [1, 2, 3]  # None: every kind of the lane


def test_a_claimed_job_is_hidden_until_its_lease_runs_out_then_counts_another_attempt(store: Store) -> None:
    add(store, job(1))
    [first] = claim(store, now=T0)
    assert claim(store, now=T0 + LEASE - 1) == []
    assert store.read_sync(lambda s: s.jobs.pending()) == 1
    [again] = claim(store, now=T0 + LEASE)
    assert again.id == first.id and again.attempts == 2


def test_finish_drops_a_job_only_for_the_claim_that_holds_it(store: Store) -> None:
    add(store, job(1))
    [stale] = claim(store, now=T0)
    [held] = claim(store, now=T0 + LEASE)  # the first lease ran out: another worker holds it
    assert store.write_sync(lambda s: s.jobs.finish(stale)) is False
    assert store.read_sync(lambda s: s.jobs.pending("wait")) == 1
    assert store.write_sync(lambda s: s.jobs.finish(held)) is True
    assert store.read_sync(lambda s: s.jobs.pending()) == 0
    assert store.write_sync(lambda s: s.jobs.finish(held)) is False  # finished once


def test_reschedule_sets_due_time_error_and_payload_for_the_holder_only(store: Store) -> None:
    add(store, job(1))
    [held] = claim(store, now=T0)
    assert store.write_sync(lambda s: s.jobs.reschedule(held, due_at=T0 + 500, error="Boom: once")) is True
    assert store.write_sync(lambda s: s.jobs.reschedule(held, due_at=T0)) is False  # no longer this claim's
    assert claim(store, now=T0 + 499) == []
    [again] = claim(store, now=T0 + 500)
    assert again.last_error == "Boom: once" and again.payload == job(1).payload and again.attempts == 2
    assert store.write_sync(lambda s: s.jobs.reschedule(again, due_at=T0 + 600, payload={"step": 2})) is True
    [third] = claim(store, now=T0 + 600)
    assert third.payload == {"step": 2} and third.last_error is None


def test_a_keyed_job_is_replaced_by_a_later_add_and_can_be_cancelled(store: Store) -> None:
    [first_id] = add(store, job(1, key="token", kind="heartbeat", due=T0))
    [held] = claim(store, now=T0, kinds=("heartbeat",))
    [second_id] = add(store, job(2, key="token", kind="heartbeat", due=T0 + 100))  # a heartbeat: later timeout
    assert second_id == first_id
    add(store, job(3, key="token"))  # the same key in another kind is another job
    assert store.write_sync(lambda s: s.jobs.finish(held)) is False  # the replaced timeout cannot fire
    got = store.read_sync(lambda s: s.jobs.get("heartbeat", "token"))
    assert got is not None and got.payload["n"] == 2 and got.attempts == 0 and got.due_at == T0 + 100
    assert store.read_sync(lambda s: s.jobs.get("heartbeat", "other")) is None
    assert store.write_sync(lambda s: s.jobs.cancel("heartbeat", "token")) is True
    assert store.write_sync(lambda s: s.jobs.cancel("heartbeat", "token")) is False
    assert store.read_sync(lambda s: s.jobs.get("heartbeat", "token")) is None
    assert store.read_sync(lambda s: s.jobs.pending()) == 1
    add(store, job(4), job(5))  # unkeyed jobs never replace each other
    assert store.read_sync(lambda s: s.jobs.pending("wait")) == 3


def test_next_due_of_the_given_kinds(store: Store) -> None:
    assert store.read_sync(lambda s: s.jobs.next_due(["wait"])) is None
    add(store, job(1, due=T0 + 30), job(2, due=T0 + 10, kind="other"))
    assert store.read_sync(lambda s: s.jobs.next_due(["wait"])) == T0 + 30
    assert store.read_sync(lambda s: s.jobs.next_due(["wait", "other"])) == T0 + 10
    assert store.read_sync(lambda s: s.jobs.next_due([])) is None


def test_concurrent_claims_never_hand_out_one_job_twice(store: Store) -> None:
    add(store, *(job(n) for n in range(60)))
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            claimed = claim(store, now=T0, limit=7)
            if not claimed:
                return
            with lock:
                got.extend(numbers(claimed))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(60))
