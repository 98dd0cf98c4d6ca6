"""The store contract for EventBridge rules, their targets and each bus's rules version,
on both backends (``store`` is parametrized sqlite/postgres)."""

from __future__ import annotations

from typing import Any

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.event_buses import EventBusRecord
from eventyard.store.event_rules import RuleRecord

ACCOUNT, REGION, BUS = "000000000000", "us-east-1", "default"
OTHER_ACCOUNT = "111111111111"
T0 = 1_700_000_000_000


def rule(name: str, *, bus: str = BUS, account: str = ACCOUNT, region: str = REGION, pattern: str | None = '{"source": ["a"]}',
         schedule: str | None = None, state: str = "ENABLED", description: str | None = None,
         created_at: int = T0) -> RuleRecord:
    prefix = "" if bus == "default" else f"{bus}/"
    arn = f"arn:aws:events:{region}:{account}:rule/{prefix}{name}"
    return RuleRecord(account, region, bus, name, arn, pattern, schedule, state, description, None, None, account,
                      created_at)


def target(target_id: str, arn: str = "arn:aws:sqs:us-east-1:000000000000:q", **extra: Any) -> dict[str, Any]:
    return {"Id": target_id, "Arn": arn, **extra}


def make_bus(store: Store, name: str = BUS, *, account: str = ACCOUNT, created_at: int = 1_500) -> None:
    arn = f"arn:aws:events:{REGION}:{account}:event-bus/{name}"
    record = EventBusRecord(account, REGION, name, arn, None, None, None, None, None, created_at, created_at)
    store.write_sync(lambda s: s.event_buses.insert(record))


def put(store: Store, *rules: RuleRecord) -> None:
    store.write_sync(lambda s: [s.event_rules.put(r) for r in rules])


def names(store: Store, *, bus: str = BUS, prefix: str | None = None, after: str | None = None,
          limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.event_rules.list(ACCOUNT, REGION, bus, prefix=prefix, after=after, limit=limit))
    return [r.name for r in found]


# -- rules -----------------------------------------------------------------------------
def test_put_get_and_scope(store: Store) -> None:
    r = rule("orders", description="Orders")
    put(store, r)
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, BUS, "orders")) == r
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, "other-bus", "orders")) is None
    assert store.read_sync(lambda s: s.event_rules.get(OTHER_ACCOUNT, REGION, BUS, "orders")) is None
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, "eu-west-1", BUS, "orders")) is None
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, BUS, "ORDERS")) is None


def test_put_again_updates_in_place_and_keeps_creation(store: Store) -> None:
    put(store, rule("r", description="one", created_at=T0))
    changed = rule("r", pattern=None, schedule="rate(1 minute)", state="DISABLED", description="two",
                   created_at=T0 + 999)
    put(store, changed)
    got = store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, BUS, "r"))
    assert got is not None
    assert (got.event_pattern, got.schedule_expression, got.state, got.description) == (
        None, "rate(1 minute)", "DISABLED", "two")
    assert got.created_at == T0  # PutRule on an existing rule keeps its creation time
    assert not got.enabled
    assert store.read_sync(lambda s: s.event_rules.count(ACCOUNT, REGION, BUS)) == 1


def test_same_arn_under_another_key_conflicts(store: Store) -> None:
    put(store, rule("r"))
    clash = RuleRecord(ACCOUNT, REGION, "other-bus", "r", rule("r").arn, None, None, "ENABLED", None, None, None,
                       ACCOUNT, T0)
    with pytest.raises(ConflictError):
        put(store, clash)
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, "other-bus", "r")) is None


def test_set_state_and_delete_with_targets(store: Store) -> None:
    r = rule("r")
    put(store, r)
    store.write_sync(lambda s: s.event_rules.put_targets(r.arn, [target("t1"), target("t2")]))
    store.write_sync(lambda s: s.event_rules.set_state(r.arn, "DISABLED"))
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, BUS, "r")).state == "DISABLED"  # type: ignore[union-attr]
    store.write_sync(lambda s: s.event_rules.delete(r.arn))
    assert store.read_sync(lambda s: s.event_rules.get(ACCOUNT, REGION, BUS, "r")) is None
    assert store.read_sync(lambda s: s.event_rules.targets(r.arn)) == []
    store.write_sync(lambda s: s.event_rules.delete(r.arn))  # deleting again is a no-op


def test_list_pages_by_code_point_with_prefix(store: Store) -> None:
    wanted = ["B", "Z", "_x", "a", "a-1", "a.2", "ab", "b"]
    put(store, *(rule(n) for n in reversed(wanted)))
    put(store, rule("a-other-bus", bus="other"), rule("a-other-account", account=OTHER_ACCOUNT))
    assert names(store) == sorted(wanted)
    assert names(store, prefix="a") == ["a", "a-1", "a.2", "ab"]
    assert names(store, prefix="a", after="a-1") == ["a.2", "ab"]
    assert names(store, limit=2) == ["B", "Z"]
    assert names(store, bus="other") == ["a-other-bus"]
    seen: list[str] = []
    after = None
    while page := names(store, after=after, limit=3):
        seen += page
        after = page[-1]
    assert seen == sorted(wanted)
    assert store.read_sync(lambda s: s.event_rules.count(ACCOUNT, REGION, BUS)) == len(wanted)
    assert sorted(r.name for r in store.read_sync(lambda s: s.event_rules.all_of_bus(ACCOUNT, REGION, BUS))) == sorted(wanted)


def test_delete_bus_removes_its_rules_and_targets_only(store: Store) -> None:
    mine, other = rule("r", bus="mine"), rule("r", bus="other")
    put(store, mine, other)
    store.write_sync(lambda s: [s.event_rules.put_targets(r.arn, [target("t")]) for r in (mine, other)])
    store.write_sync(lambda s: s.event_rules.delete_bus(ACCOUNT, REGION, "mine"))
    assert names(store, bus="mine") == []
    assert store.read_sync(lambda s: s.event_rules.targets(mine.arn)) == []
    assert names(store, bus="other") == ["r"]
    assert [t.target_id for t in store.read_sync(lambda s: s.event_rules.targets(other.arn))] == ["t"]


# -- schedules -------------------------------------------------------------------------
def test_scheduled_and_due_schedules(store: Store) -> None:
    patterned = rule("patterned")
    early = rule("early", pattern=None, schedule="rate(1 minute)")
    late = rule("late", pattern=None, schedule="rate(5 minutes)", account=OTHER_ACCOUNT)
    unset = rule("unset", pattern=None, schedule="rate(1 hour)")
    put(store, patterned, early, late, unset)
    assert sorted(r.name for r in store.read_sync(lambda s: s.event_rules.scheduled())) == ["early", "late", "unset"]
    store.write_sync(lambda s: s.event_rules.set_next_fire(late.arn, T0 + 300))
    store.write_sync(lambda s: s.event_rules.set_next_fire(early.arn, T0 + 60))
    due = store.write_sync(lambda s: s.event_rules.due_schedules(T0 + 300, 10))
    assert [(r.name, at) for r, at in due] == [("early", T0 + 60), ("late", T0 + 300)]  # earliest first
    assert [r.name for r, _ in store.write_sync(lambda s: s.event_rules.due_schedules(T0 + 299, 10))] == ["early"]
    assert [r.name for r, _ in store.write_sync(lambda s: s.event_rules.due_schedules(T0 + 300, 1))] == ["early"]
    store.write_sync(lambda s: s.event_rules.set_next_fire(early.arn, None))
    assert [r.name for r, _ in store.write_sync(lambda s: s.event_rules.due_schedules(T0 + 10**9, 10))] == ["late"]


# -- rules version -----------------------------------------------------------------------
def test_rules_version_moves_and_restarts_with_a_new_bus(store: Store) -> None:
    assert store.read_sync(lambda s: s.event_rules.version(ACCOUNT, REGION, BUS)) is None
    make_bus(store, created_at=1_500)
    assert store.read_sync(lambda s: s.event_rules.version(ACCOUNT, REGION, BUS)) == (1_500, 0)
    store.write_sync(lambda s: s.event_rules.bump_version(ACCOUNT, REGION, BUS))
    store.write_sync(lambda s: s.event_rules.bump_version(ACCOUNT, REGION, BUS))
    assert store.read_sync(lambda s: s.event_rules.version(ACCOUNT, REGION, BUS)) == (1_500, 2)
    store.write_sync(lambda s: s.event_rules.bump_version(ACCOUNT, REGION, "missing"))  # no bus: nothing happens
    store.write_sync(lambda s: s.event_buses.delete(ACCOUNT, REGION, BUS))
    make_bus(store, created_at=7_250)
    assert store.read_sync(lambda s: s.event_rules.version(ACCOUNT, REGION, BUS)) == (7_250, 0)


# -- targets ---------------------------------------------------------------------------
def test_targets_keep_order_and_replace_in_place(store: Store) -> None:
    r = rule("r")
    put(store, r)
    store.write_sync(lambda s: s.event_rules.put_targets(r.arn, [target("b"), target("a", Input='{"x": 1}')]))
    store.write_sync(lambda s: s.event_rules.put_targets(r.arn, [target("c")]))
    # Replacing "b" keeps its place; its new spec and ARN are stored.
    new_arn = "arn:aws:sns:us-east-1:000000000000:t"
    store.write_sync(lambda s: s.event_rules.put_targets(r.arn, [target("b", new_arn, Input="{}")]))
    found = store.read_sync(lambda s: s.event_rules.targets(r.arn))
    assert [t.target_id for t in found] == ["b", "a", "c"]
    assert found[0].target_arn == new_arn and found[0].spec == {"Id": "b", "Arn": new_arn, "Input": "{}"}
    assert found[1].spec == {"Id": "a", "Arn": target("a")["Arn"], "Input": '{"x": 1}'}
    assert [t.position for t in found] == sorted(t.position for t in found)
    store.write_sync(lambda s: s.event_rules.remove_targets(r.arn, ["a", "missing"]))
    assert [t.target_id for t in store.read_sync(lambda s: s.event_rules.targets(r.arn))] == ["b", "c"]
    store.write_sync(lambda s: s.event_rules.put_targets(r.arn, [target("d")]))
    assert [t.target_id for t in store.read_sync(lambda s: s.event_rules.targets(r.arn))] == ["b", "c", "d"]


def test_targets_of_bus_and_rules_by_target(store: Store) -> None:
    queue = "arn:aws:sqs:us-east-1:000000000000:q"
    r1, r2, r3, elsewhere = rule("r1"), rule("r2"), rule("r3"), rule("r1", bus="other")
    put(store, r1, r2, r3, elsewhere)
    store.write_sync(lambda s: s.event_rules.put_targets(r2.arn, [target("x", queue), target("y", queue)]))
    store.write_sync(lambda s: s.event_rules.put_targets(r1.arn, [target("x", queue)]))
    store.write_sync(lambda s: s.event_rules.put_targets(r3.arn, [target("x", "arn:aws:sqs:us-east-1:0:other")]))
    store.write_sync(lambda s: s.event_rules.put_targets(elsewhere.arn, [target("x", queue)]))
    of_bus = store.read_sync(lambda s: s.event_rules.targets_of_bus(ACCOUNT, REGION, BUS))
    assert sorted((t.rule_arn, t.target_id) for t in of_bus) == sorted(
        [(r1.arn, "x"), (r2.arn, "x"), (r2.arn, "y"), (r3.arn, "x")])

    def by_target(after: str | None = None, limit: int = 100) -> list[str]:
        return store.read_sync(lambda s: s.event_rules.rules_by_target(ACCOUNT, REGION, BUS, queue, after=after,
                                                                       limit=limit))

    assert by_target() == ["r1", "r2"]  # each rule once, by name
    assert by_target(limit=1) == ["r1"]
    assert by_target(after="r1") == ["r2"]
    assert by_target(after="r2") == []
