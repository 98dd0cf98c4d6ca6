"""The store contract for event bus resource policies, on both backends."""

from __future__ import annotations

from eventyard.store import Store
from eventyard.store.event_buses import EventBusRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
POLICY = '{"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow"}]}'


def bus(name: str, *, account: str = ACCOUNT) -> EventBusRecord:
    arn = f"arn:aws:events:{REGION}:{account}:event-bus/{name}"
    return EventBusRecord(account, REGION, name, arn, None, None, None, None, None, 1_500, 2_500)


def test_set_replace_and_remove_a_policy(store: Store) -> None:
    store.write_sync(lambda s: [s.event_buses.insert(bus("a")), s.event_buses.insert(bus("b")),
                                s.event_buses.insert(bus("a", account="111111111111"))])
    store.write_sync(lambda s: s.event_bus_policies.set(ACCOUNT, REGION, "a", POLICY, 10_250))
    got = store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "a"))
    assert got is not None and (got.policy, got.modified_at, got.created_at) == (POLICY, 10_250, 1_500)
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "b")).policy is None  # type: ignore[union-attr]
    assert store.read_sync(lambda s: s.event_buses.get("111111111111", REGION, "a")).policy is None  # type: ignore[union-attr]
    store.write_sync(lambda s: s.event_bus_policies.set(ACCOUNT, REGION, "a", "{}", 11_000))
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "a")).policy == "{}"  # type: ignore[union-attr]
    store.write_sync(lambda s: s.event_bus_policies.set(ACCOUNT, REGION, "a", None, 12_000))
    got = store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "a"))
    assert got is not None and (got.policy, got.modified_at) == (None, 12_000)


def test_setting_the_policy_of_a_missing_bus_creates_nothing(store: Store) -> None:
    store.write_sync(lambda s: s.event_bus_policies.set(ACCOUNT, REGION, "missing", POLICY, 1_000))
    assert store.read_sync(lambda s: s.event_buses.get(ACCOUNT, REGION, "missing")) is None
