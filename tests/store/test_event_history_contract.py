"""The store contract for the recent events kept per bus (the console's tail), on both backends."""

from __future__ import annotations

from eventyard.store import Store

BUS = "arn:aws:events:us-east-1:000000000000:event-bus/default"
OTHER = "arn:aws:events:us-east-1:000000000000:event-bus/other"


def event(n: int) -> dict[str, object]:
    return {"id": f"id-{n}", "source": "s", "detail": {"n": n, "deep": [[{"x": "<b>"}]]}}


def test_kept_events_read_newest_first_with_cursors_and_per_bus(store: Store) -> None:
    store.write_sync(lambda s: s.event_history.add(
        [(BUS, 1000 + n, event(n), ["rule-a"] if n % 2 else []) for n in range(5)] + [(OTHER, 2000, event(99), [])]))
    kept = store.read_sync(lambda s: s.event_history.recent(BUS, limit=10))
    assert [k.event["detail"]["n"] for k in kept] == [4, 3, 2, 1, 0]  # type: ignore[index]
    assert kept[0].matched == [] and kept[1].matched == ["rule-a"] and kept[1].event_id == "id-3"
    assert kept[0].event == event(4) and kept[0].accepted_at == 1004 and kept[0].bus_arn == BUS
    newer = store.read_sync(lambda s: s.event_history.recent(BUS, after_id=kept[2].id))
    assert [k.id for k in newer] == [kept[0].id, kept[1].id]
    older = store.read_sync(lambda s: s.event_history.recent(BUS, before_id=kept[2].id, limit=1))
    assert [k.id for k in older] == [kept[3].id]
    assert store.read_sync(lambda s: s.event_history.get(BUS, kept[1].id)) == kept[1]
    assert store.read_sync(lambda s: s.event_history.get(OTHER, kept[1].id)) is None
    assert store.read_sync(lambda s: s.event_history.find("id-3", BUS.rsplit("/", 1)[0] + "/")) == [kept[1]]
    assert store.read_sync(lambda s: s.event_history.find("id-3", "arn:aws:events:us-east-1:111111111111:")) == []


def test_trim_keeps_the_newest_of_one_bus(store: Store) -> None:
    store.write_sync(lambda s: s.event_history.add([(BUS, n, event(n), []) for n in range(6)] + [(OTHER, 1, event(7), [])]))
    assert store.write_sync(lambda s: s.event_history.trim(BUS, 2)) == 4
    assert [k.event_id for k in store.read_sync(lambda s: s.event_history.recent(BUS))] == ["id-5", "id-4"]
    assert store.write_sync(lambda s: s.event_history.trim(BUS, 2)) == 0
    assert len(store.read_sync(lambda s: s.event_history.recent(OTHER))) == 1
