"""The SQS background upkeep, run in-process against both store backends: retention
expiry, purged and deleted queues, expired FIFO state, forgotten names, move tasks."""

from __future__ import annotations

import asyncio
import uuid

from eventyard.core import clock
from eventyard.services.sqs import upkeep as upkeep_module
from eventyard.runtime.wakeups import Keyed, Wakeups
from eventyard.services.sqs.upkeep import Upkeep
from eventyard.store import Session, Store
from eventyard.store.messages import READY_KIND, NewMessage, ReceiveAttempt
from eventyard.store.queues import MoveTaskRecord, QueueRecord

ACCOUNT, REGION = "000000000000", "us-east-1"


def now() -> int:
    return clock.now_ms()


def create(store: Store, name: str, *, fifo: bool = False) -> QueueRecord:
    return store.write_sync(lambda s: s.queues.create(
        account_id=ACCOUNT, region=REGION, name=name, arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", fifo=fifo,
        attributes={"MessageRetentionPeriod": "345600"}, dead_letter_target_arn=None, now=now()))


def add(store: Store, queue: QueueRecord, *bodies: str, expires_in: int = 60_000, group: str | None = None,
        source: str | None = None) -> None:
    t = now()
    messages = [NewMessage(str(uuid.uuid4()), b, None, None, None, None, "s", t, t, t + expires_in,
                           group_id=group, dedup_id=b if group else None, dead_letter_source_arn=source)
                for b in bodies]

    def unit(s: Session) -> None:
        seqs = s.messages.next_sequence_numbers(queue.id, len(messages)) if queue.fifo else None
        s.messages.add(queue.id, messages, seqs)

    store.write_sync(unit)


def ready(store: Store, queue: QueueRecord) -> list[str]:
    current = store.read_sync(lambda s: s.queues.get_by_id(queue.id))
    after = current.purged_upto if current else 0
    return [m.body for m in store.write_sync(lambda s: s.messages.ready(queue.id, now=now(), after_id=after, limit=100))]


MAX_ROUNDS = 1000  # far more than any test here needs; only a sweep that never finishes reaches it


def sweep(store: Store) -> Keyed:
    """Sweep until a round reports that nothing is left: a round stops at its time budget,
    which a busy machine may reach after any chunk."""
    wakeups = Wakeups().keyed(READY_KIND)
    job = Upkeep(store, wakeups)

    async def rounds() -> int:
        for n in range(1, MAX_ROUNDS + 1):
            if await job.sweep():
                return n
        raise AssertionError(f"the sweep did not finish in {MAX_ROUNDS} rounds")

    asyncio.run(rounds())
    return wakeups


def test_expired_messages_go_and_fifo_groups_follow(store: Store) -> None:
    q = create(store, "q")
    f = create(store, "f.fifo", fifo=True)
    add(store, q, "old", expires_in=-1)
    add(store, q, "fresh")
    add(store, f, "gone", expires_in=-1, group="g")
    sweep(store)
    assert ready(store, q) == ["fresh"]
    assert store.read_sync(lambda s: s.messages.count_upto(q.id, after_id=0, upto=10**12)) == 1
    assert store.write_sync(lambda s: s.messages.ready_groups(f.id, now=now(), limit=10)) == []  # empty group dropped


def test_purged_and_deleted_queues_are_swept(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(upkeep_module, "CHUNK", 3)  # several rounds
    q = create(store, "purged")
    add(store, q, *[f"m{i}" for i in range(7)])
    store.write_sync(lambda s: s.queues.purge(q.id, now=now(), upto=s.messages.last_id()))
    add(store, q, "after")
    f = create(store, "gone.fifo", fifo=True)
    add(store, f, *[f"x{i}" for i in range(5)], group="g")

    def forget(s: Session) -> None:
        s.messages.remember_receive_attempt(f.id, "a", ReceiveAttempt("t", [1], 0), now() + 60_000)
        s.messages.remember_dedup(f.id, "", "x0", message_id="m", seq=1, now=now(), expires_at=now() + 60_000)
        s.queues.delete(f, now())

    store.write_sync(forget)
    sweep(store)
    assert store.read_sync(lambda s: s.queues.cleanups(10)) == []
    assert store.read_sync(lambda s: s.messages.count_upto(q.id, after_id=0, upto=10**12)) == 1
    assert ready(store, q) == ["after"]
    assert store.read_sync(lambda s: s.messages.count_upto(f.id, after_id=0, upto=10**12)) == 0
    assert store.read_sync(lambda s: s.messages.dedup_original(f.id, "", "x0")) is None
    assert store.read_sync(lambda s: s.messages.receive_attempt(f.id, "a", 0)) is None


def test_expired_dedup_ids_and_deleted_names_are_forgotten(store: Store) -> None:
    f = create(store, "f.fifo", fifo=True)
    t = now()
    store.write_sync(lambda s: s.messages.remember_dedup(f.id, "", "d", message_id="m", seq=1, now=t - 400_000,
                                                         expires_at=t - 100_000))
    q = create(store, "old-name")
    store.write_sync(lambda s: s.queues.delete(q, t - 61_000))
    sweep(store)
    assert store.read_sync(lambda s: s.messages.dedup_original(f.id, "", "d")) is None
    assert store.read_sync(lambda s: s.queues.deleted_since(ACCOUNT, REGION, "old-name", 0)) is False


def test_every_round_moves_on_however_slow_the_machine(store: Store, monkeypatch) -> None:
    # a round whose time budget is gone before it starts (a busy machine) still does a chunk
    monkeypatch.setattr(upkeep_module, "SWEEP_BUDGET_SECONDS", -1.0)
    monkeypatch.setattr(upkeep_module, "CHUNK", 3)
    q = create(store, "q")
    add(store, q, *[f"old{i}" for i in range(7)], expires_in=-1)
    add(store, q, "fresh")
    gone = create(store, "gone")
    add(store, gone, "x", "y")
    store.write_sync(lambda s: s.queues.delete(gone, now()))
    job = Upkeep(store, Wakeups().keyed(READY_KIND))

    async def rounds() -> int:
        n = 1
        while not await job.sweep() and n < 20:
            n += 1
        return n

    assert asyncio.run(rounds()) < 20
    assert store.read_sync(lambda s: s.queues.cleanups(10)) == []
    assert ready(store, q) == ["fresh"]


def test_move_task_runs_to_completion(store: Store) -> None:
    dlq = create(store, "dlq")
    src = create(store, "src")
    add(store, dlq, "a", "b", source=src.arn)
    upto = store.read_sync(lambda s: s.messages.last_id())
    add(store, dlq, "later", source=src.arn)  # arrived after the task started: stays
    store.write_sync(lambda s: s.queues.add_move_task(MoveTaskRecord("h", dlq.id, dlq.arn, None, None, "RUNNING",
                                                                     now(), upto, 0, 2)))
    wakeups = Wakeups().keyed(READY_KIND)
    job = Upkeep(store, wakeups)
    watch = wakeups.watch(src.id)

    async def rounds() -> None:
        for _ in range(3):
            await job.run_once()

    asyncio.run(rounds())
    task = store.read_sync(lambda s: s.queues.move_task("h"))
    assert task is not None and (task.status, task.moved) == ("COMPLETED", 2)
    assert sorted(ready(store, src)) == ["a", "b"] and ready(store, dlq) == ["later"]
    assert watch._event.is_set()  # receivers of the destination were woken


def test_move_task_fails_without_a_destination(store: Store) -> None:
    dlq = create(store, "dlq")
    add(store, dlq, "orphan")  # sent straight to the DLQ: no source to go back to
    store.write_sync(lambda s: s.queues.add_move_task(MoveTaskRecord(
        "h", dlq.id, dlq.arn, None, None, "RUNNING", now(), s.messages.last_id(), 0, 1)))
    asyncio.run(Upkeep(store, Wakeups().keyed(READY_KIND)).run_once())
    task = store.read_sync(lambda s: s.queues.move_task("h"))
    assert task is not None and task.status == "FAILED" and task.failure_reason
    assert ready(store, dlq) == ["orphan"]
