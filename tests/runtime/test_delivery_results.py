"""The outbox contract's answers: a deliverer returns ``Delivered(result)`` and the origin
applies the result in the unit of work that drops the delivery row, unless the worker's
claim no longer holds the row (then neither its answer nor its dead letter counts); on
both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from eventyard.runtime.delivery import Delivered, DeliveryRuntime, Failure
from eventyard.store import Session, Store
from eventyard.store.deliveries import DeliveryRecord, NewDelivery
from eventyard.store.jobs import NewJob

GENEROUS = 30.0


class Answering:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    async def deliver(self, record: DeliveryRecord) -> Failure | Delivered | None:
        return self.answer


class TaskOrigin:
    """Records the answer as a durable row (here: a job) in the finishing unit."""

    def __init__(self) -> None:
        self.seen_pending: list[int] = []
        self.delivered_ids: list[int] = []

    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None:
        return None

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        pass

    def delivered(self, record: DeliveryRecord, now: int) -> None:
        self.delivered_ids.append(record.id)

    def committed(self) -> None:
        pass

    def apply_result(self, s: Session, record: DeliveryRecord, result: Any, now: int) -> None:
        s.jobs.add(NewJob(kind="task-output", payload={"delivery": record.payload["n"], "output": result},
                          created_at=now, due_at=now))


class PlainOrigin(TaskOrigin):
    apply_result = None  # type: ignore[assignment]  # an origin that takes no answers


def deliveries(kind: str, *ns: int) -> list[NewDelivery]:
    return [NewDelivery(origin="tasks", account_id="000000000000", region="us-east-1", target_kind=kind,
                        target={}, payload={"n": n}, created_at=0, due_at=0) for n in ns]


def run_until_done(store: Store, runtime: DeliveryRuntime, origin: TaskOrigin, count: int) -> None:
    """Until ``count`` deliveries were reported delivered (after their commit) and none is left."""
    async def scenario() -> None:
        runtime.start()
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            while len(origin.delivered_ids) < count or await store.read(lambda s: s.deliveries.pending()):
                assert loop.time() < deadline, "the deliveries never finished"
                await asyncio.sleep(0.005)
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def outputs(store: Store) -> list[dict[str, Any]]:
    rows = store.write_sync(lambda s: s.jobs.claim(["task-output"], now=1 << 60, lease_until=0, limit=100))
    return sorted((r.payload for r in rows), key=lambda p: p["delivery"])


def test_the_origin_applies_a_deliverers_answer_when_the_row_is_finished(store: Store) -> None:
    origin = TaskOrigin()
    runtime = DeliveryRuntime(store, idle_seconds=0.01)
    runtime.register_origin("tasks", origin)
    runtime.register_deliverer("answering", Answering(Delivered({"answer": 42})))
    runtime.register_deliverer("silent", Answering(None))
    store.write_sync(lambda s: s.deliveries.add(deliveries("answering", 1, 2) + deliveries("silent", 3)))
    run_until_done(store, runtime, origin, 3)
    assert outputs(store) == [{"delivery": 1, "output": {"answer": 42}}, {"delivery": 2, "output": {"answer": 42}}]
    assert len(origin.delivered_ids) == 3  # an answer is a success like any other


def test_an_answer_for_an_origin_without_apply_result_is_dropped(store: Store) -> None:
    origin = PlainOrigin()
    runtime = DeliveryRuntime(store, idle_seconds=0.01)
    runtime.register_origin("tasks", origin)
    runtime.register_deliverer("answering", Answering(Delivered("ignored")))
    store.write_sync(lambda s: s.deliveries.add(deliveries("answering", 1)))
    run_until_done(store, runtime, origin, 1)
    assert outputs(store) == [] and len(origin.delivered_ids) == 1


class TakenOver:
    """Answers only after another worker took the row over: its lease ran out meanwhile."""

    def __init__(self, store: Store, answer: Any) -> None:
        self.store = store
        self.answer = answer

    async def deliver(self, record: DeliveryRecord) -> Failure | Delivered | None:
        lease_end = record.due_at
        await self.store.write(lambda s: s.deliveries.claim(now=lease_end, lease_until=lease_end + 10 ** 9, limit=10))
        return self.answer


class WatchfulOrigin(TaskOrigin):
    def __init__(self) -> None:
        super().__init__()
        self.gave_up: list[int] = []
        self.commits = 0

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        self.gave_up.append(record.id)

    def committed(self) -> None:
        self.commits += 1


def run_until(runtime: DeliveryRuntime, condition: Any) -> None:
    async def scenario() -> None:
        runtime.start()
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + GENEROUS
            while not condition():
                assert loop.time() < deadline, "the outcome was never written"
                await asyncio.sleep(0.005)
        finally:
            await runtime.stop()

    asyncio.run(scenario())


def test_a_late_answer_is_not_applied_when_another_worker_holds_the_row(store: Store) -> None:
    origin = WatchfulOrigin()
    runtime = DeliveryRuntime(store, idle_seconds=0.01)
    runtime.register_origin("tasks", origin)
    runtime.register_deliverer("answering", TakenOver(store, Delivered({"answer": "late"})))
    store.write_sync(lambda s: s.deliveries.add(deliveries("answering", 1)))
    run_until(runtime, lambda: origin.commits > 0)
    assert outputs(store) == []  # the holder's own answer will count, not this one
    assert store.read_sync(lambda s: s.deliveries.pending()) == 1


def test_a_late_failure_dead_letters_nothing_when_another_worker_holds_the_row(store: Store) -> None:
    origin = WatchfulOrigin()
    runtime = DeliveryRuntime(store, idle_seconds=0.01)
    runtime.register_origin("tasks", origin)
    runtime.register_deliverer("failing", TakenOver(store, Failure("Boom", "no retries", retryable=False)))
    store.write_sync(lambda s: s.deliveries.add(deliveries("failing", 1)))
    run_until(runtime, lambda: origin.commits > 0)
    assert origin.gave_up == []
    assert store.read_sync(lambda s: s.deliveries.pending()) == 1
