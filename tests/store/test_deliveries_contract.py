"""The store contract for the delivery outbox (claims with a lease, fenced finish and
reschedule; rows of the job table's outbox lane), on both backends."""

from __future__ import annotations

import threading
from typing import Any

from eventyard.store import Store
from eventyard.store.deliveries import DeliveryRecord, NewDelivery
from eventyard.store.jobs import NewJob

ACCOUNT, REGION = "000000000000", "us-east-1"
T0 = 1_700_000_000_000
LEASE = 30_000


def delivery(n: int, *, due: int = T0, origin: str = "events", kind: str = "sqs") -> NewDelivery:
    return NewDelivery(origin=origin, account_id=ACCOUNT, region=REGION, target_kind=kind,
                       target={"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", "n": n},
                       payload={"event": {"id": str(n), "detail": {"nested": [1, "two", None]}}},
                       created_at=T0, due_at=due)


def add(store: Store, *deliveries: NewDelivery) -> None:
    store.write_sync(lambda s: s.deliveries.add(list(deliveries)))


def claim(store: Store, *, now: int, limit: int = 10, lease: int = LEASE) -> list[DeliveryRecord]:
    return store.write_sync(lambda s: s.deliveries.claim(now=now, lease_until=now + lease, limit=limit))


def numbers(records: list[DeliveryRecord]) -> list[Any]:
    return [r.target["n"] for r in records]


def test_add_and_claim_round_trip_every_field(store: Store) -> None:
    add(store)  # nothing to add is fine
    add(store, delivery(1, origin="sns", kind="http"))
    [got] = claim(store, now=T0)
    assert (got.origin, got.account_id, got.region, got.target_kind) == ("sns", ACCOUNT, REGION, "http")
    assert got.target == delivery(1).target and got.payload == delivery(1).payload
    assert got.attempts == 1 and got.created_at == T0 and got.last_error is None
    assert got.due_at == T0 + LEASE  # hidden until the lease runs out


def test_claim_takes_due_rows_earliest_first_and_returns_them_by_id(store: Store) -> None:
    add(store, delivery(1, due=T0 + 30), delivery(2, due=T0 + 10), delivery(3, due=T0 + 20), delivery(4, due=T0 + 99))
    assert claim(store, now=T0 + 5) == []
    first = claim(store, now=T0 + 50, limit=2)
    assert numbers(first) == [2, 3]  # the two earliest due, returned in id order
    assert [r.id for r in first] == sorted(r.id for r in first)
    assert numbers(claim(store, now=T0 + 50)) == [1]
    assert numbers(claim(store, now=T0 + 99)) == [4]


def test_a_claimed_row_is_hidden_until_its_lease_runs_out_then_counts_another_attempt(store: Store) -> None:
    add(store, delivery(1))
    [first] = claim(store, now=T0)
    assert claim(store, now=T0 + LEASE - 1) == []
    assert store.read_sync(lambda s: s.deliveries.pending()) == 1  # claimed is still pending
    [again] = claim(store, now=T0 + LEASE)
    assert again.id == first.id and again.attempts == 2


def test_finish_removes_rows(store: Store) -> None:
    add(store, delivery(1), delivery(2), delivery(3))
    claimed = claim(store, now=T0)
    store.write_sync(lambda s: s.deliveries.finish_all([claimed[0], claimed[2]]))
    store.write_sync(lambda s: s.deliveries.finish_all([]))
    assert store.read_sync(lambda s: s.deliveries.pending()) == 1
    [again] = claim(store, now=T0 + LEASE)
    assert numbers([again]) == [2]
    assert store.write_sync(lambda s: s.deliveries.finish(again)) is True
    assert store.write_sync(lambda s: s.deliveries.finish(again)) is False  # gone: no error
    store.write_sync(lambda s: s.deliveries.finish_all([again]))
    assert store.read_sync(lambda s: s.deliveries.pending()) == 0
    assert claim(store, now=T0 + 10 * LEASE) == []


def test_a_worker_whose_lease_ran_out_changes_nothing(store: Store) -> None:
    add(store, delivery(1), delivery(2))
    stale = claim(store, now=T0)
    held = claim(store, now=T0 + LEASE)  # both leases ran out: another worker holds them now
    assert store.write_sync(lambda s: s.deliveries.finish(stale[0])) is False
    assert store.write_sync(lambda s: s.deliveries.reschedule(stale[1], due_at=T0, error="late")) is False
    store.write_sync(lambda s: s.deliveries.finish_all(stale))
    assert store.read_sync(lambda s: s.deliveries.pending()) == 2
    assert claim(store, now=T0 + LEASE) == []  # still the holder's until its lease ends
    store.write_sync(lambda s: s.deliveries.finish_all(held))
    assert store.read_sync(lambda s: s.deliveries.pending()) == 0


def test_reschedule_sets_due_time_and_error(store: Store) -> None:
    add(store, delivery(1))
    [got] = claim(store, now=T0)
    assert store.write_sync(lambda s: s.deliveries.reschedule(got, due_at=T0 + 500, error="HTTP 503")) is True
    assert claim(store, now=T0 + 499) == []
    [again] = claim(store, now=T0 + 500)
    assert again.last_error == "HTTP 503" and again.attempts == 2
    assert store.write_sync(lambda s: s.deliveries.reschedule(again, due_at=T0 + 600, error=None)) is True
    [third] = claim(store, now=T0 + 600)
    assert third.last_error is None and third.attempts == 3


def test_outbox_rows_and_other_jobs_share_the_table_but_not_their_claims(store: Store) -> None:
    store.write_sync(lambda s: s.jobs.add(NewJob(kind="events:sqs", payload={"n": 0}, created_at=T0, due_at=T0)))
    add(store, delivery(1))
    [timer] = store.write_sync(lambda s: s.jobs.claim(None, now=T0, lease_until=T0 + LEASE, limit=10))
    assert timer.payload == {"n": 0}  # a job's claim never takes an outbox row
    assert numbers(claim(store, now=T0)) == [1]  # nor the outbox's claim a job
    assert store.read_sync(lambda s: (s.jobs.pending(), s.deliveries.pending(), s.deliveries.next_due())) == (
        1, 1, T0 + LEASE)


def test_big_integers_and_deep_payloads_round_trip(store: Store) -> None:
    deep: Any = "leaf"
    for _ in range(600):  # deeper than orjson writes
        deep = [deep]
    big = NewDelivery(origin="events", account_id=ACCOUNT, region=REGION, target_kind="sqs",
                      target={"n": 1}, payload={"big": 2 ** 70, "deep": deep}, created_at=T0, due_at=T0)
    add(store, big)
    [got] = claim(store, now=T0)
    assert got.payload == big.payload


def test_next_due_and_pending_by_origin(store: Store) -> None:
    assert store.read_sync(lambda s: s.deliveries.next_due()) is None
    assert store.read_sync(lambda s: s.deliveries.pending()) == 0
    add(store, delivery(1, due=T0 + 7, origin="sns"), delivery(2, due=T0 + 3), delivery(3, due=T0 + 9))
    assert store.read_sync(lambda s: s.deliveries.next_due()) == T0 + 3
    assert store.read_sync(lambda s: s.deliveries.pending()) == 3
    assert store.read_sync(lambda s: s.deliveries.pending("events")) == 2
    assert store.read_sync(lambda s: s.deliveries.pending("sns")) == 1
    assert store.read_sync(lambda s: s.deliveries.pending("nobody")) == 0
    claim(store, now=T0 + 3, limit=1)
    assert store.read_sync(lambda s: s.deliveries.next_due()) == T0 + 7  # the claimed one moved past its lease


def test_concurrent_claims_never_hand_out_a_row_twice(store: Store) -> None:
    total, workers = 300, 6
    add(store, *(delivery(n) for n in range(total)))
    taken: list[list[int]] = [[] for _ in range(workers)]
    failures: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            while page := claim(store, now=T0, limit=7):
                taken[w] += [r.target["n"] for r in page]
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    everything = [n for part in taken for n in part]
    assert sorted(everything) == list(range(total))  # each row exactly once
