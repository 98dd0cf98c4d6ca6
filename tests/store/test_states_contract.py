"""The store contract for Step Functions (``store/states.py``) on both backends:
definitions kept once, state machines with versions and aliases, executions with their
state and newest-first pages, history in both orders, the inbox in order, task tokens
and activity tasks taken once."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.states import ActivityRecord, AliasRecord, ExecutionRecord, MachineRecord, TaskRecord, VersionRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
T0 = 1_700_000_000_000
BASE = f"arn:aws:states:{REGION}:{ACCOUNT}"


def machine(name: str, digest: str = "h") -> MachineRecord:
    return MachineRecord(f"{BASE}:stateMachine:{name}", ACCOUNT, REGION, name, "STANDARD", digest, "role", None,
                         {"loggingConfiguration": {"level": "OFF"}}, "rev-1", 1, T0, T0)


def execution(name: str, start: int, machine_name: str = "m", status: str = "RUNNING") -> ExecutionRecord:
    return ExecutionRecord(f"{BASE}:execution:{machine_name}:{name}", ACCOUNT, REGION, f"{BASE}:stateMachine:{machine_name}",
                           None, None, name, "STANDARD", "h", "role", status, "{}", None, None, None, None, 0, 0, None,
                           start, None)


def test_definitions_are_kept_once(store: Store) -> None:
    first = store.write_sync(lambda s: s.states.keep_definition('{"StartAt": "A"}'))
    again = store.write_sync(lambda s: s.states.keep_definition('{"StartAt": "A"}'))
    assert first == again
    assert store.read_sync(lambda s: s.states.definition(first)) == '{"StartAt": "A"}'
    assert store.read_sync(lambda s: s.states.definition("nope")) is None


def test_state_machines_insert_get_update_list_delete(store: Store) -> None:
    for name in ("b", "a", "c"):
        store.write_sync(lambda s, n=name: s.states.insert(machine(n)))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.states.insert(replace(machine("a"), arn=f"{BASE}:stateMachine:a2")))
    got = store.read_sync(lambda s: s.states.get(f"{BASE}:stateMachine:a"))
    assert got == machine("a")
    store.write_sync(lambda s: s.states.update(replace(machine("a"), definition_hash="h2", revision_id="rev-2")))
    got = store.read_sync(lambda s: s.states.get(f"{BASE}:stateMachine:a"))
    assert got is not None and (got.definition_hash, got.revision_id) == ("h2", "rev-2")
    first = store.read_sync(lambda s: s.states.list(ACCOUNT, REGION, after=None, limit=2))
    assert [m.name for m in first] == ["a", "b"]
    rest = store.read_sync(lambda s: s.states.list(ACCOUNT, REGION, after=first[-1].arn, limit=2))
    assert [m.name for m in rest] == ["c"]
    assert store.read_sync(lambda s: s.states.list("999999999999", REGION, after=None, limit=10)) == []
    assert store.write_sync(lambda s: s.states.delete(f"{BASE}:stateMachine:a")) is True
    assert store.write_sync(lambda s: s.states.delete(f"{BASE}:stateMachine:a")) is False


def test_versions_and_aliases(store: Store) -> None:
    m = machine("v")
    store.write_sync(lambda s: s.states.insert(m))
    for n in (1, 2):
        store.write_sync(lambda s, n=n: s.states.insert_version(VersionRecord(
            f"{m.arn}:{n}", m.arn, n, "h", "role", None, {}, f"rev-{n}", T0 + n)))
    assert [v.version for v in store.read_sync(lambda s: s.states.versions(m.arn))] == [2, 1]
    alias = AliasRecord(f"{m.arn}:live", m.arn, "live", None, [{"stateMachineVersionArn": f"{m.arn}:1", "weight": 100}],
                        T0, T0)
    store.write_sync(lambda s: s.states.put_alias(alias))
    store.write_sync(lambda s: s.states.put_alias(replace(alias, description="d", updated_at=T0 + 5)))
    got = store.read_sync(lambda s: s.states.alias(alias.arn))
    assert got is not None and (got.description, got.updated_at, got.created_at) == ("d", T0 + 5, T0)
    assert [a.name for a in store.read_sync(lambda s: s.states.aliases(m.arn))] == ["live"]
    assert store.write_sync(lambda s: s.states.delete_alias(alias.arn)) is True
    assert store.write_sync(lambda s: s.states.delete_version(f"{m.arn}:1")) is True
    assert store.write_sync(lambda s: s.states.version(f"{m.arn}:1")) is None
    store.write_sync(lambda s: s.states.delete(m.arn))  # takes its versions with it
    assert store.read_sync(lambda s: s.states.versions(m.arn)) == []


def test_executions_state_and_pages(store: Store) -> None:
    for i, start in enumerate((T0, T0 + 1, T0 + 1, T0 + 2)):
        store.write_sync(lambda s, i=i, start=start: s.states.insert_execution(execution(f"e{i}", start), '{"s": 0}'))
    arn = f"{BASE}:execution:m:e0"
    locked = store.write_sync(lambda s: s.states.lock_execution(arn))
    assert locked is not None and locked[1] == '{"s": 0}'
    store.write_sync(lambda s: s.states.save_execution(arn, state='{"s": 1}', status="SUCCEEDED", event_count=4,
                                                       output='"ok"', stop_date=T0 + 9))
    done = store.read_sync(lambda s: s.states.execution(arn))
    assert done is not None and (done.status, done.output, done.event_count, done.stop_date) == (
        "SUCCEEDED", '"ok"', 4, T0 + 9)
    machine_arn = f"{BASE}:stateMachine:m"
    page = store.read_sync(lambda s: s.states.executions(machine_arn, status=None, after=None, limit=2))
    assert [e.name for e in page] == ["e3", "e2"]
    rest = store.read_sync(lambda s: s.states.executions(
        machine_arn, status=None, after=(page[-1].start_date, page[-1].arn), limit=5))
    assert [e.name for e in rest] == ["e1", "e0"]
    running = store.read_sync(lambda s: s.states.executions(machine_arn, status="RUNNING", after=None, limit=10))
    assert [e.name for e in running] == ["e3", "e2", "e1"]
    assert store.read_sync(lambda s: s.states.running(machine_arn)) == 3
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.states.insert_execution(execution("e0", T0), "{}"))


def test_history_in_both_orders(store: Store) -> None:
    arn = f"{BASE}:execution:m:h"
    store.write_sync(lambda s: s.states.append_history(arn, [{"id": i, "type": "T"} for i in range(1, 6)]))
    assert [e["id"] for e in store.read_sync(lambda s: s.states.history(arn, after=None, reverse=False, limit=3))] == [
        1, 2, 3]
    assert [e["id"] for e in store.read_sync(lambda s: s.states.history(arn, after=3, reverse=False, limit=9))] == [4, 5]
    assert [e["id"] for e in store.read_sync(lambda s: s.states.history(arn, after=4, reverse=True, limit=9))] == [
        3, 2, 1]


def test_history_pages_across_steps_of_several_events(store: Store) -> None:
    # each step's events are appended together; every page, from every position and in
    # both orders, is the same as over one flat list
    arn = f"{BASE}:execution:m:steps"
    steps = [[1], [2, 3, 4], [5, 6], [7], [8, 9, 10, 11], [12]]
    for step in steps:
        store.write_sync(lambda s, step=step: s.states.append_history(arn, [{"id": i, "type": "T"} for i in step]))
    ids = list(range(1, 13))
    for limit in (1, 2, 3, 5, 20):
        for after in [None, *range(0, 14)]:
            forward = store.read_sync(lambda s: s.states.history(arn, after=after, reverse=False, limit=limit))
            expected = [i for i in ids if after is None or i > after][:limit]
            assert [e["id"] for e in forward] == expected, (after, limit)
            backward = store.read_sync(lambda s: s.states.history(arn, after=after, reverse=True, limit=limit))
            expected = [i for i in reversed(ids) if after is None or i < after][:limit]
            assert [e["id"] for e in backward] == expected, (after, limit)


def test_the_inbox_gives_events_once_in_order(store: Store) -> None:
    arn = f"{BASE}:execution:m:i"
    for n in range(5):
        store.write_sync(lambda s, n=n: s.states.post(arn, {"n": n}))
    store.write_sync(lambda s: s.states.post("other", {"n": 99}))
    assert store.write_sync(lambda s: s.states.take_inbox(arn, 3)) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert store.write_sync(lambda s: s.states.take_inbox(arn, 3)) == [{"n": 3}, {"n": 4}]
    assert store.write_sync(lambda s: s.states.take_inbox(arn, 3)) == []
    assert store.write_sync(lambda s: s.states.take_inbox("other")) == [{"n": 99}]


def test_task_tokens_and_activity_tasks(store: Store) -> None:
    arn = f"{BASE}:execution:m:t"
    activity = f"{BASE}:activity:a"
    store.write_sync(lambda s: s.states.add_task(TaskRecord("tok-cb", arn, "0/1/0", None, None, "WAITING", None, T0)))
    for n in range(3):
        store.write_sync(lambda s, n=n: s.states.add_task(TaskRecord(
            f"tok-{n}", arn, f"0/{n}/0", activity, f'{{"n": {n}}}', "WAITING", None, T0 + n)))
    assert store.read_sync(lambda s: s.states.task_of(arn, "0/1/0")).token == "tok-cb"  # type: ignore[union-attr]
    taken = [store.write_sync(lambda s: s.states.take_activity_task(activity, "w")) for _ in range(4)]
    assert [t.token if t else None for t in taken] == ["tok-0", "tok-1", "tok-2", None]
    got = store.read_sync(lambda s: s.states.task("tok-0"))
    assert got is not None and (got.status, got.worker_name) == ("STARTED", "w")
    store.write_sync(lambda s: s.states.close_task("tok-cb"))
    assert store.read_sync(lambda s: s.states.task("tok-cb")).status == "CLOSED"  # type: ignore[union-attr]
    store.write_sync(lambda s: s.states.close_tasks_of(arn))
    assert store.read_sync(lambda s: s.states.task("tok-2")).status == "CLOSED"  # type: ignore[union-attr]
    store.write_sync(lambda s: s.states.forget_tasks_of(arn))
    assert store.read_sync(lambda s: s.states.task("tok-2")) is None


def test_an_activity_task_is_taken_once_by_concurrent_workers(store: Store) -> None:
    arn = f"{BASE}:execution:m:c"
    activity = f"{BASE}:activity:c"
    for n in range(20):
        store.write_sync(lambda s, n=n: s.states.add_task(TaskRecord(f"c-{n}", arn, f"t{n}", activity, "{}",
                                                                     "WAITING", None, T0 + n)))
    taken: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            task = store.write_sync(lambda s: s.states.take_activity_task(activity, "w"))
            if task is None:
                return
            with lock:
                taken.append(task.token)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(f"c-{n}" for n in range(20))


def test_activities(store: Store) -> None:
    for name in ("b", "a"):
        store.write_sync(lambda s, n=name: s.states.insert_activity(ActivityRecord(
            f"{BASE}:activity:{n}", ACCOUNT, REGION, n, T0)))
    store.write_sync(lambda s: s.states.insert_activity(ActivityRecord(f"{BASE}:activity:a", ACCOUNT, REGION, "a", 1)))
    got = store.read_sync(lambda s: s.states.activity(f"{BASE}:activity:a"))
    assert got is not None and got.created_at == T0  # a second insert changes nothing
    listed = store.read_sync(lambda s: s.states.activities(ACCOUNT, REGION, after=None, limit=1))
    assert [a.name for a in listed] == ["a"]
    assert [a.name for a in store.read_sync(lambda s: s.states.activities(
        ACCOUNT, REGION, after=listed[-1].arn, limit=5))] == ["b"]
    assert store.write_sync(lambda s: s.states.delete_activity(f"{BASE}:activity:a")) is True
    assert store.read_sync(lambda s: s.states.activity(f"{BASE}:activity:a")) is None


def test_map_runs_insert_lock_save_list(store: Store) -> None:
    parent = f"{BASE}:execution:m:p"
    first, second = f"{BASE}:mapRun:m/each:1", f"{BASE}:mapRun:m/each:2"
    store.write_sync(lambda s: s.states.insert_map_run(second, parent, {"status": "RUNNING", "n": 2}, T0 + 1))
    store.write_sync(lambda s: s.states.insert_map_run(first, parent, {"status": "RUNNING", "n": 1}, T0))

    def bump(s) -> None:  # type: ignore[no-untyped-def]
        run = s.states.map_run(first, lock=True)
        run["status"] = "SUCCEEDED"
        s.states.save_map_run(first, run)

    store.write_sync(bump)
    assert store.read_sync(lambda s: s.states.map_run(first)) == {"status": "SUCCEEDED", "n": 1}
    assert store.read_sync(lambda s: s.states.map_run(f"{BASE}:mapRun:m/each:3")) is None
    listed = store.read_sync(lambda s: s.states.map_runs(parent))
    assert [arn for arn, _ in listed] == [first, second]
    assert store.read_sync(lambda s: s.states.map_runs(f"{BASE}:execution:m:other")) == []
