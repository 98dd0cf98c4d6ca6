"""The SQS part of the store contract: queues and messages repositories, both backends."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventyard.store import ConflictError, Session, Store, open_store
from eventyard.store.messages import NewMessage, ReceiveAttempt
from eventyard.store.queues import MoveTaskRecord, QueueRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
T0 = 1_700_000_000_000  # epoch ms
DAY = 86_400_000


def create(store: Store, name: str, *, fifo: bool = False, account: str = ACCOUNT,
           attributes: dict[str, str] | None = None, dlq: str | None = None) -> QueueRecord:
    arn = f"arn:aws:sqs:{REGION}:{account}:{name}"
    return store.write_sync(lambda s: s.queues.create(
        account_id=account, region=REGION, name=name, arn=arn, fifo=fifo,
        attributes=attributes or {"VisibilityTimeout": "30"}, dead_letter_target_arn=dlq, now=T0,
    ))


def message(body: str = "hi", *, at: int = T0, delay: int = 0, group: str | None = None,
            retention: int = DAY) -> NewMessage:
    return NewMessage(
        message_id=str(uuid.uuid4()), body=body, attributes=None, attributes_md5=None,
        system_attributes=None, system_attributes_md5=None, sender_id="s", sent_at=at,
        visible_at=at + delay, expires_at=at + retention, group_id=group,
    )


def send(store: Store, queue: QueueRecord, *messages: NewMessage) -> list[int | None]:
    def unit(s: Session) -> list[int | None]:
        seqs: list[int | None] = list(s.messages.next_sequence_numbers(queue.id, len(messages))) if queue.fifo else [None] * len(messages)
        s.messages.add(queue.id, messages, seqs)
        return seqs

    return store.write_sync(unit)


def claim(store: Store, queue: QueueRecord, *, now: int, limit: int = 10, visibility: int = 30_000) -> list[str]:
    def unit(s: Session) -> list[str]:
        found = s.messages.ready(queue.id, now=now, after_id=queue.purged_upto, limit=limit)
        s.messages.mark_received([m.id for m in found], now=now, visible_at=now + visibility, receipt_token="t")
        return [m.body for m in found]

    return store.write_sync(unit)


# -- queues -------------------------------------------------------------------------
def test_queue_create_get_list_and_conflict(store: Store) -> None:
    q = create(store, "orders", attributes={"VisibilityTimeout": "45", "DelaySeconds": "0"})
    assert q.id > 0 and q.name == "orders" and not q.fifo
    assert q.attributes == {"VisibilityTimeout": "45", "DelaySeconds": "0"}
    assert store.read_sync(lambda s: s.queues.get(ACCOUNT, REGION, "orders")) == q
    assert store.read_sync(lambda s: s.queues.get_by_id(q.id)) == q
    assert store.read_sync(lambda s: s.queues.get_by_arn(q.arn)) == q
    assert store.read_sync(lambda s: s.queues.get("111111111111", REGION, "orders")) is None
    with pytest.raises(ConflictError):
        create(store, "orders")
    for name in ["b", "a-1", "a-2", "A", "a_3"]:
        create(store, name)
    create(store, "a-other-account", account="111111111111")

    def names(**kw: Any) -> list[str]:
        return [r.name for r in store.read_sync(lambda s: s.queues.list(ACCOUNT, REGION, **kw))]

    assert names(prefix=None, after=None, limit=100) == ["A", "a-1", "a-2", "a_3", "b", "orders"]
    assert names(prefix="a", after=None, limit=100) == ["a-1", "a-2", "a_3"]
    assert names(prefix="a", after="a-1", limit=1) == ["a-2"]


def test_queue_ids_are_never_reused(store: Store) -> None:
    first = create(store, "q")
    store.write_sync(lambda s: s.queues.delete(first, T0))
    second = create(store, "q")
    assert second.id > first.id


def test_set_attributes_and_dead_letter_sources(store: Store) -> None:
    dlq = create(store, "dlq")
    sources = [create(store, n) for n in ("src-b", "src-a", "src-c")]
    store.write_sync(lambda s: [s.queues.set_attributes(q.id, {"RedrivePolicy": "{}"}, dlq.arn, T0 + 5) for q in sources[:2]])
    updated = store.read_sync(lambda s: s.queues.get_by_id(sources[0].id))
    assert updated is not None and updated.attributes == {"RedrivePolicy": "{}"} and updated.modified_at == T0 + 5
    found = store.read_sync(lambda s: s.queues.dead_letter_sources(dlq.arn, after=None, limit=10))
    assert [q.name for q in found] == ["src-a", "src-b"]
    assert [q.name for q in store.read_sync(lambda s: s.queues.dead_letter_sources(dlq.arn, after="src-a", limit=10))] == ["src-b"]
    assert store.read_sync(lambda s: s.queues.is_dead_letter_target(dlq.arn)) is True
    assert store.read_sync(lambda s: s.queues.is_dead_letter_target(sources[2].arn)) is False


def test_delete_remembers_the_name_and_schedules_a_cleanup(store: Store) -> None:
    q = create(store, "gone")
    send(store, q, message("a"), message("b"))
    store.write_sync(lambda s: s.queues.delete(q, T0 + 1000))
    assert store.read_sync(lambda s: s.queues.get(ACCOUNT, REGION, "gone")) is None
    assert store.read_sync(lambda s: s.queues.deleted_since(ACCOUNT, REGION, "gone", T0)) is True
    assert store.read_sync(lambda s: s.queues.deleted_since(ACCOUNT, REGION, "gone", T0 + 1000)) is False
    [job] = store.read_sync(lambda s: s.queues.cleanups(10))
    assert job.queue_id == q.id and job.dropped
    assert store.write_sync(lambda s: s.messages.drop_queue_messages(q.id, upto=job.upto, limit=1)) == 1
    assert store.write_sync(lambda s: s.messages.drop_queue_messages(q.id, upto=job.upto, limit=10)) == 1
    store.write_sync(lambda s: s.queues.finish_cleanup(job.id))
    assert store.read_sync(lambda s: s.queues.cleanups(10)) == []
    assert store.write_sync(lambda s: s.queues.forget_deleted(T0 + 1000)) == 1
    assert store.read_sync(lambda s: s.queues.deleted_since(ACCOUNT, REGION, "gone", 0)) is False


# -- standard messages ------------------------------------------------------------------
def test_ready_orders_by_visibility_and_claims_hide_messages(store: Store) -> None:
    q = create(store, "q")
    send(store, q, message("first"), message("delayed", delay=5000), message("second", at=T0 + 1))
    assert claim(store, q, now=T0 + 10, limit=1) == ["first"]
    assert claim(store, q, now=T0 + 10) == ["second"]
    assert claim(store, q, now=T0 + 10) == []
    assert store.read_sync(lambda s: s.messages.next_visible_at(q.id, T0 + 10, fifo=False)) == T0 + 5000
    counts = store.read_sync(lambda s: s.messages.counts(q.id, now=T0 + 10, after_id=0))
    assert (counts.visible, counts.in_flight, counts.delayed) == (0, 2, 1)
    assert claim(store, q, now=T0 + 5000) == ["delayed"]
    # visibility runs out: both come back, the earliest deadline first
    assert claim(store, q, now=T0 + 10 + 30_000) == ["first", "second"]


def test_mark_received_counts_receives(store: Store) -> None:
    q = create(store, "q")
    send(store, q, message("m"))
    claim(store, q, now=T0, visibility=0)
    claim(store, q, now=T0 + 7, visibility=100)
    [m] = store.write_sync(lambda s: s.messages.ready(q.id, now=T0 + 200, after_id=0, limit=10))
    assert (m.receive_count, m.first_received_at, m.received_at, m.visible_at, m.receipt_token) == (2, T0, T0 + 7, T0 + 107, "t")
    assert store.read_sync(lambda s: s.messages.get(m.id)) == m
    state = store.read_sync(lambda s: s.messages.receipt_state(m.id))
    assert state is not None and (state.queue_id, state.receipt_token, state.visible_at, state.received_at) == (
        q.id, "t", T0 + 107, T0 + 7)
    assert store.read_sync(lambda s: s.messages.get_many([m.id, 10**9])) == [m]
    store.write_sync(lambda s: s.messages.set_visible_at(m.id, T0 + 999))
    assert claim(store, q, now=T0 + 998) == []
    assert store.write_sync(lambda s: s.messages.delete([m.id])) == 1
    assert store.read_sync(lambda s: s.messages.get(m.id)) is None


def test_expired_and_purged_messages_are_never_ready(store: Store) -> None:
    q = create(store, "q")
    send(store, q, message("old", retention=1000), message("kept"))
    assert claim(store, q, now=T0 + 1000, visibility=0) == ["kept"]
    upto = store.read_sync(lambda s: s.messages.last_id())
    store.write_sync(lambda s: s.queues.purge(q.id, now=T0 + 2000, upto=upto))
    purged = store.read_sync(lambda s: s.queues.get_by_id(q.id))
    assert purged is not None and purged.purged_upto == upto and purged.purged_at == T0 + 2000
    send(store, q, message("after purge", at=T0 + 2000))
    assert claim(store, purged, now=T0 + 3000) == ["after purge"]
    assert [t for t in store.write_sync(lambda s: s.messages.drop_expired(T0 + 1000, 10))] == []
    assert store.read_sync(lambda s: s.messages.count_upto(q.id, after_id=0, upto=upto)) == 1  # "old" swept, "kept" left
    [job] = store.read_sync(lambda s: s.queues.cleanups(10))
    assert not job.dropped and job.upto == upto
    assert store.write_sync(lambda s: s.messages.drop_queue_messages(q.id, upto=upto, limit=100)) == 1


def test_shorten_retention_expires_queued_messages(store: Store) -> None:
    q = create(store, "q")
    send(store, q, message("a", retention=DAY), message("b", at=T0 + 5000, retention=DAY))
    store.write_sync(lambda s: s.messages.shorten_retention(q.id, 60_000))
    assert claim(store, q, now=T0 + 61_000, visibility=0) == ["b"]


def test_concurrent_claims_never_hand_out_a_message_twice(store: Store) -> None:
    q = create(store, "busy")
    total = 300
    send(store, q, *[message(f"m{i}") for i in range(total)])
    seen: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def consumer() -> None:
        try:
            while True:
                got = claim(store, q, now=T0 + 1, limit=7)
                if not got:
                    return
                with lock:
                    seen.extend(got)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=consumer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(seen) == sorted(f"m{i}" for i in range(total))


# -- FIFO ---------------------------------------------------------------------------------
def test_sequence_numbers_strictly_increase_per_queue(store: Store) -> None:
    a, b = create(store, "a.fifo", fifo=True), create(store, "b.fifo", fifo=True)
    first = send(store, a, message(group="g"), message(group="g"))
    second = send(store, a, message(group="h"))
    other = send(store, b, message(group="g"))
    assert first == [1, 2] and second == [3] and other == [1]
    standard = create(store, "standard")
    with pytest.raises(LookupError):
        store.write_sync(lambda s: s.messages.next_sequence_numbers(standard.id, 1))


def test_fifo_groups_block_while_in_flight(store: Store) -> None:
    q = create(store, "q.fifo", fifo=True)
    send(store, q, message("g1", group="g"), message("h1", group="h", at=T0 + 1), message("g2", group="g"))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 5, limit=10)) == ["g", "h"]
    head = store.read_sync(lambda s: s.messages.group_messages(q.id, "g", after_id=0, limit=10))
    assert [m.body for m in head] == ["g1", "g2"] and [m.seq for m in head] == [1, 3]

    def take_first(s: Session) -> None:
        s.messages.mark_received([head[0].id], now=T0 + 5, visible_at=T0 + 1000, receipt_token="t")
        s.messages.refresh_group(q.id, "g")

    store.write_sync(take_first)
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 5, limit=10)) == ["h"]
    assert store.read_sync(lambda s: s.messages.next_visible_at(q.id, T0 + 5, fifo=True)) == T0 + 1000
    # deleting the in-flight head frees the group
    store.write_sync(lambda s: (s.messages.delete([head[0].id]), s.messages.refresh_group(q.id, "g")))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 5, limit=10)) == ["g", "h"]
    # a group without messages disappears; a new message brings it back
    store.write_sync(lambda s: (s.messages.delete([head[1].id]), s.messages.refresh_group(q.id, "g")))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 5, limit=10)) == ["h"]
    send(store, q, message("g3", group="g", at=T0 + 6, delay=100))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 105, limit=10)) == ["h"]
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 106, limit=10)) == ["h", "g"]
    store.write_sync(lambda s: s.messages.set_group_available(q.id, "h", T0 + 500))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 106, limit=10)) == ["g"]
    store.write_sync(lambda s: s.messages.drop_groups(q.id))
    assert store.write_sync(lambda s: s.messages.ready_groups(q.id, now=T0 + 10**6, limit=10)) == []


def test_expired_fifo_messages_report_their_groups(store: Store) -> None:
    q = create(store, "q.fifo", fifo=True)
    send(store, q, message("a", group="g", retention=10), message("b", group="h", retention=10), message("c", group="g"))
    assert store.write_sync(lambda s: s.messages.drop_expired(T0 + 10, 100)) == [(q.id, "g"), (q.id, "h")]


def test_dedup_ids_are_remembered_until_they_expire(store: Store) -> None:
    q = create(store, "q.fifo", fifo=True)

    def remember(scope: str, dedup: str, message_id: str, now: int) -> bool:
        return store.write_sync(lambda s: s.messages.remember_dedup(
            q.id, scope, dedup, message_id=message_id, seq=7, now=now, expires_at=now + 300_000))

    assert remember("", "d1", "m1", T0) is True
    assert remember("", "d1", "m2", T0 + 299_999) is False
    assert remember("g", "d1", "m3", T0) is True  # another scope
    assert store.read_sync(lambda s: s.messages.dedup_original(q.id, "", "d1")) == ("m1", 7)
    assert remember("", "d1", "m4", T0 + 300_000) is True  # the window has passed
    assert store.read_sync(lambda s: s.messages.dedup_original(q.id, "", "d1")) == ("m4", 7)
    assert store.write_sync(lambda s: s.messages.drop_expired_dedup(T0 + 300_000, 100)) == 1
    assert store.read_sync(lambda s: s.messages.dedup_original(q.id, "", "d1")) == ("m4", 7)
    assert store.write_sync(lambda s: s.messages.drop_fifo_state(q.id, 100)) == 1
    assert store.read_sync(lambda s: s.messages.dedup_original(q.id, "", "d1")) is None


def test_receive_attempts(store: Store) -> None:
    q = create(store, "q.fifo", fifo=True)
    attempt = ReceiveAttempt("tok", [3, 1], T0 + 30_000)
    store.write_sync(lambda s: s.messages.remember_receive_attempt(q.id, "a1", attempt, T0 + 300_000))
    assert store.read_sync(lambda s: s.messages.receive_attempt(q.id, "a1", T0)) == attempt
    assert store.read_sync(lambda s: s.messages.receive_attempt(q.id, "a1", T0 + 300_000)) is None
    assert store.read_sync(lambda s: s.messages.receive_attempt(q.id, "a2", T0)) is None
    assert store.write_sync(lambda s: s.messages.drop_expired_attempts(T0 + 300_000, 10)) == 1


def test_concurrent_fifo_claims_take_each_group_once(store: Store) -> None:
    q = create(store, "q.fifo", fifo=True)
    send(store, q, *[message(f"{g}-{i}", group=g) for i in range(3) for g in "abcdef"])
    taken: list[str] = []
    lock = threading.Lock()

    def claim_groups() -> None:
        def unit(s: Session) -> list[str]:
            bodies = []
            for group in s.messages.ready_groups(q.id, now=T0 + 1, limit=2):
                msgs = s.messages.group_messages(q.id, group, after_id=0, limit=10)
                s.messages.mark_received([m.id for m in msgs], now=T0 + 1, visible_at=T0 + 10_000, receipt_token="t")
                s.messages.set_group_available(q.id, group, T0 + 10_000)
                bodies += [m.body for m in msgs]
            return bodies

        got = store.write_sync(unit)
        with lock:
            taken.extend(got)

    threads = [threading.Thread(target=claim_groups) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(f"{g}-{i}" for i in range(3) for g in "abcdef")


# -- move tasks ---------------------------------------------------------------------------
def test_move_tasks(store: Store) -> None:
    dlq = create(store, "dlq")
    task = MoveTaskRecord("h1", dlq.id, dlq.arn, None, 10, "RUNNING", T0, 5, 0, 3)
    store.write_sync(lambda s: s.queues.add_move_task(task))
    later = MoveTaskRecord("h2", dlq.id, dlq.arn, "arn:dest", None, "COMPLETED", T0 + 1, 9, 2, 2)
    store.write_sync(lambda s: s.queues.add_move_task(later))
    assert store.read_sync(lambda s: s.queues.move_task("h1")) == task
    assert [t.task_handle for t in store.read_sync(lambda s: s.queues.move_tasks(dlq.arn, 10))] == ["h2", "h1"]
    assert [t.task_handle for t in store.read_sync(lambda s: s.queues.running_move_tasks())] == ["h1"]
    store.write_sync(lambda s: s.queues.update_move_task("h1", moved_more=2))
    store.write_sync(lambda s: s.queues.update_move_task("h1", status="FAILED", moved_more=1, failure_reason="x"))
    done = store.read_sync(lambda s: s.queues.move_task("h1"))
    assert done is not None and (done.status, done.moved, done.failure_reason) == ("FAILED", 3, "x")


# -- cost -----------------------------------------------------------------------------------
@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    yield opened
    opened.close()


def test_sqlite_hot_queries_use_indexes(sqlite_store: Store) -> None:
    # Query plans are read on SQLite, whose planner shows index use even on empty tables.
    store = sqlite_store

    def plan(sql: str, params: tuple[Any, ...]) -> str:
        rows = store.read_sync(lambda s: s.all("EXPLAIN QUERY PLAN " + sql, params))
        return " | ".join(str(r[-1]) for r in rows)

    ready = plan("SELECT id FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND id > ?"
                 " AND expires_at > ? ORDER BY visible_at, id LIMIT ?", (1, 1, 0, 1, 10))
    assert "sqs_messages_ready" in ready and "TEMP B-TREE" not in ready
    group = plan("SELECT id FROM sqs_messages WHERE queue_id = ? AND group_id = ? AND seq IS NOT NULL"
                 " AND id > ? ORDER BY seq LIMIT ?", (1, "g", 0, 10))
    assert "sqs_messages_group" in group and "TEMP B-TREE" not in group
    groups = plan("SELECT group_id FROM sqs_fifo_groups WHERE queue_id = ? AND available_at <= ?"
                  " ORDER BY available_at, group_id LIMIT ?", (1, 1, 10))
    assert "sqs_fifo_groups_ready" in groups
    expiry = plan("SELECT id FROM sqs_messages WHERE expires_at <= ? LIMIT ?", (1, 10))
    assert "sqs_messages_expiry" in expiry
