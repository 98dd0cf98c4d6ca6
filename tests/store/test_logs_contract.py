"""The store contract for CloudWatch Logs (groups, streams, events), on both backends."""

from __future__ import annotations

import pytest

from eventyard.store import ConflictError, Store

ACCOUNT, REGION = "000000000000", "us-east-1"


def test_groups_round_trip_conflict_and_list_by_name(store: Store) -> None:
    made = store.write_sync(lambda s: s.logs.insert_group(ACCOUNT, REGION, "/b/one", 5, kms_key_id="k",
                                                          log_group_class="STANDARD", deletion_protection=True))
    assert (made.name, made.created_ms, made.kms_key_id, made.deletion_protection, made.stored_bytes) == \
        ("/b/one", 5, "k", True, 0)
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.logs.insert_group(ACCOUNT, REGION, "/b/one", 6, kms_key_id=None,
                                                       log_group_class="STANDARD", deletion_protection=False))
    store.write_sync(lambda s: [s.logs.ensure_group(ACCOUNT, REGION, n, 7, "STANDARD") for n in ("/a", "/b/two")])
    again = store.write_sync(lambda s: s.logs.ensure_group(ACCOUNT, REGION, "/b/one", 8, "STANDARD"))
    assert again == made
    assert [g.name for g in store.read_sync(lambda s: s.logs.groups(ACCOUNT, REGION))] == ["/a", "/b/one", "/b/two"]
    assert [g.name for g in store.read_sync(lambda s: s.logs.groups(ACCOUNT, REGION, prefix="/b/", after="/b/one",
                                                                     limit=5))] == ["/b/two"]
    assert store.read_sync(lambda s: s.logs.groups("111111111111", REGION)) == []
    store.write_sync(lambda s: s.logs.set_retention(made.id, 7))
    assert [g.name for g in store.read_sync(lambda s: s.logs.groups_with_retention())] == ["/b/one"]
    store.write_sync(lambda s: s.logs.delete_group(made.id))
    assert store.read_sync(lambda s: s.logs.group(ACCOUNT, REGION, "/b/one")) is None


def test_streams_and_events_in_reading_order(store: Store) -> None:
    group = store.write_sync(lambda s: s.logs.ensure_group(ACCOUNT, REGION, "g", 1, "STANDARD"))
    a = store.write_sync(lambda s: s.logs.insert_stream(group.id, "a", 2))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.logs.insert_stream(group.id, "a", 3))
    b = store.write_sync(lambda s: s.logs.ensure_stream(group.id, "b", 4))
    assert store.write_sync(lambda s: s.logs.ensure_stream(group.id, "b", 5)) == b
    store.write_sync(lambda s: s.logs.append(group, a, [(10, "a10"), (30, "a30")], 100, 60))
    store.write_sync(lambda s: s.logs.append(group, b, [(20, "b20"), (10, "b10")], 101, 60))
    stream = store.read_sync(lambda s: s.logs.stream(group.id, "b"))
    assert stream is not None and (stream.first_event_ms, stream.last_event_ms, stream.last_ingestion_ms) == \
        (10, 20, 101)
    assert [st.name for st in store.read_sync(lambda s: s.logs.streams(group.id, prefix="a"))] == ["a"]
    every = store.read_sync(lambda s: s.logs.group_events(group.id, stream_ids=None, start_ms=None, end_ms=None,
                                                          after=None, limit=10))
    assert [e.message for e in every] == ["a10", "b10", "b20", "a30"]
    after = store.read_sync(lambda s: s.logs.group_events(group.id, stream_ids=[b.id], start_ms=10, end_ms=30,
                                                          after=every[1].key, limit=10))
    assert [e.message for e in after] == ["b20"]
    newest = store.read_sync(lambda s: s.logs.stream_events(a.id, start_ms=None, end_ms=None, limit=1,
                                                            newest_first=True))
    assert [e.message for e in newest] == ["a30"]
    before = store.read_sync(lambda s: s.logs.stream_events(a.id, start_ms=None, end_ms=None, before=newest[0].key,
                                                            limit=5))
    assert [e.message for e in before] == ["a10"]
    assert store.read_sync(lambda s: s.logs.group(ACCOUNT, REGION, "g")).stored_bytes == 120  # type: ignore[union-attr]
    assert store.write_sync(lambda s: s.logs.expire(group.id, 20)) == 2
    store.write_sync(lambda s: s.logs.delete_stream(b.id))
    assert [e.message for e in store.read_sync(lambda s: s.logs.group_events(
        group.id, stream_ids=None, start_ms=None, end_ms=None, after=None, limit=10))] == ["a30"]
