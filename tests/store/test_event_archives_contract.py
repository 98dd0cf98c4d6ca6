"""The store contract for EventBridge archives and their events, on both backends."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.event_archives import ArchiveRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
OTHER_BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/other"
T0 = 1_700_000_000_000


def archive(name: str, *, account: str = ACCOUNT, source: str = BUS_ARN, state: str = "ENABLED",
            retention: int = 0, description: str | None = None) -> ArchiveRecord:
    arn = f"arn:aws:events:{REGION}:{account}:archive/{name}"
    return ArchiveRecord(account, REGION, name, arn, source, description, '{"source": ["a"]}', retention, None,
                         state, None, 1_700_000_000_250)


def insert(store: Store, *archives: ArchiveRecord) -> None:
    store.write_sync(lambda s: [s.event_archives.insert(a) for a in archives])


def names(store: Store, *, prefix: str | None = None, source: str | None = None, state: str | None = None,
          after: str | None = None, limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.event_archives.list(ACCOUNT, REGION, prefix=prefix, source_arn=source,
                                                            state=state, after=after, limit=limit))
    return [a.name for a in found]


def event(n: int) -> dict[str, Any]:
    return {"id": str(n), "source": "a", "detail": {"n": n, "text": "caf\u00e9"}}


# -- archives --------------------------------------------------------------------------
def test_insert_get_and_scope(store: Store) -> None:
    a = archive("keep", description="d", retention=7)
    insert(store, a)
    assert store.read_sync(lambda s: s.event_archives.get(ACCOUNT, REGION, "keep")) == a
    assert store.read_sync(lambda s: s.event_archives.get(OTHER_ACCOUNT, REGION, "keep")) is None
    assert store.read_sync(lambda s: s.event_archives.get(ACCOUNT, "eu-west-1", "keep")) is None


def test_duplicate_name_conflicts_and_changes_nothing(store: Store) -> None:
    insert(store, archive("a", description="one"))
    with pytest.raises(ConflictError):
        insert(store, archive("a", description="two"))
    assert store.read_sync(lambda s: s.event_archives.get(ACCOUNT, REGION, "a")).description == "one"  # type: ignore[union-attr]
    insert(store, archive("a", account=OTHER_ACCOUNT))  # another account may use the name


def test_update(store: Store) -> None:
    a = archive("a", description="one", retention=0)
    insert(store, a)
    store.write_sync(lambda s: s.event_archives.update(a.arn, description="two", event_pattern=None, retention_days=3,
                                                       kms_key_identifier="alias/k"))
    got = store.read_sync(lambda s: s.event_archives.get(ACCOUNT, REGION, "a"))
    assert got == replace(a, description="two", event_pattern=None, retention_days=3, kms_key_identifier="alias/k")


def test_list_filters_and_pages(store: Store) -> None:
    insert(store, archive("b"), archive("a-2", source=OTHER_BUS_ARN), archive("a-1", state="DISABLED"), archive("A"),
           archive("a-3", account=OTHER_ACCOUNT))
    assert names(store) == ["A", "a-1", "a-2", "b"]
    assert names(store, prefix="a") == ["a-1", "a-2"]
    assert names(store, source=OTHER_BUS_ARN) == ["a-2"]
    assert names(store, source=BUS_ARN) == ["A", "a-1", "b"]
    assert names(store, state="DISABLED") == ["a-1"]
    assert names(store, state="ENABLED", source=BUS_ARN) == ["A", "b"]
    assert names(store, after="a-1", limit=1) == ["a-2"]
    assert names(store, prefix="zz") == []


def test_delete_removes_the_archive_and_its_events_only(store: Store) -> None:
    gone, kept = archive("gone"), archive("kept")
    insert(store, gone, kept)
    store.write_sync(lambda s: s.event_archives.add_events([(gone.arn, T0, T0, event(1)), (kept.arn, T0, T0, event(2))]))
    store.write_sync(lambda s: s.event_archives.delete(gone.arn))
    assert store.read_sync(lambda s: s.event_archives.get(ACCOUNT, REGION, "gone")) is None
    assert set(store.read_sync(lambda s: s.event_archives.stats([gone.arn, kept.arn]))) == {kept.arn}
    insert(store, gone)  # the name is free again, with no events
    assert store.read_sync(lambda s: s.event_archives.stats([gone.arn])) == {}


def test_with_retention_lists_only_archives_that_expire(store: Store) -> None:
    forever, week = archive("forever", retention=0), archive("week", retention=7)
    insert(store, forever, week, archive("day", retention=1, account=OTHER_ACCOUNT))
    assert sorted(store.read_sync(lambda s: s.event_archives.with_retention())) == sorted(
        [(week.arn, 7), (archive("day", account=OTHER_ACCOUNT).arn, 1)])


# -- archived events -------------------------------------------------------------------
def test_stats_count_events_and_bytes(store: Store) -> None:
    a, b, empty = archive("a"), archive("b"), archive("empty")
    insert(store, a, b, empty)
    assert store.read_sync(lambda s: s.event_archives.stats([])) == {}
    store.write_sync(lambda s: s.event_archives.add_events([(a.arn, T0, T0, event(1)), (a.arn, T0, T0, event(22)),
                                                            (b.arn, T0, T0, event(3))]))
    stats = store.read_sync(lambda s: s.event_archives.stats([a.arn, b.arn, empty.arn]))
    assert set(stats) == {a.arn, b.arn}  # an archive without events has no entry
    assert stats[a.arn][0] == 2 and stats[b.arn][0] == 1
    assert stats[a.arn][1] > stats[b.arn][1] > 0  # bytes of the stored JSON


def test_events_after_walks_a_window_in_event_time_then_id_order(store: Store) -> None:
    a, other = archive("a"), archive("other")
    insert(store, a, other)
    # Archived out of event-time order, with two events at the same time.
    rows = [(a.arn, T0, T0 + 30, event(1)), (a.arn, T0, T0 + 10, event(2)), (a.arn, T0, T0 + 20, event(3)),
            (a.arn, T0, T0 + 20, event(4)), (a.arn, T0, T0 + 99, event(5)), (other.arn, T0, T0 + 20, event(6))]
    store.write_sync(lambda s: s.event_archives.add_events(rows))

    def walk(start: int, end: int, limit: int) -> list[int]:
        seen: list[int] = []
        position = (-1, 0)
        while page := store.read_sync(lambda s: s.event_archives.events_after(a.arn, position, start=start, end=end,
                                                                              limit=limit)):
            seen += [e.event["detail"]["n"] for e in page]
            position = (page[-1].event_time, page[-1].id)
        return seen

    assert walk(T0, T0 + 1000, 2) == [2, 3, 4, 1, 5]
    assert walk(T0 + 20, T0 + 99, 1) == [3, 4, 1]  # start inclusive, end exclusive
    first = store.read_sync(lambda s: s.event_archives.events_after(a.arn, (-1, 0), start=T0, end=T0 + 1000, limit=1))
    assert first[0].event == event(2) and first[0].event_time == T0 + 10 and first[0].archived_at == T0


def test_expire_drops_oldest_archived_first_in_batches(store: Store) -> None:
    a, other = archive("a", retention=1), archive("other", retention=1)
    insert(store, a, other)
    store.write_sync(lambda s: s.event_archives.add_events(
        [(a.arn, T0 + i, T0, event(i)) for i in range(5)] + [(other.arn, T0, T0, event(9))]))
    assert store.write_sync(lambda s: s.event_archives.expire(a.arn, T0 + 3, 2)) == 2
    assert store.write_sync(lambda s: s.event_archives.expire(a.arn, T0 + 3, 2)) == 1
    assert store.write_sync(lambda s: s.event_archives.expire(a.arn, T0 + 3, 2)) == 0
    left = store.read_sync(lambda s: s.event_archives.events_after(a.arn, (-1, 0), start=T0, end=T0 + 1, limit=10))
    assert sorted(e.archived_at for e in left) == [T0 + 3, T0 + 4]
    assert store.read_sync(lambda s: s.event_archives.stats([other.arn]))[other.arn][0] == 1
