"""The store contract for EventBridge replays, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.event_replays import ReplayRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"
ARCHIVE = f"arn:aws:events:{REGION}:{ACCOUNT}:archive/a"
OTHER_ARCHIVE = f"arn:aws:events:{REGION}:{ACCOUNT}:archive/b"
T0 = 1_700_000_000_000


def replay(name: str, *, account: str = ACCOUNT, archive: str = ARCHIVE, state: str = "STARTING",
           started: int = 1_700_000_000_500) -> ReplayRecord:
    arn = f"arn:aws:events:{REGION}:{account}:replay/{name}"
    destination = {"Arn": f"arn:aws:events:{REGION}:{account}:event-bus/default", "FilterArns": ["arn:r1", "arn:r2"]}
    return ReplayRecord(account, REGION, name, arn, archive, None, destination, T0, T0 + 60_000, state, None,
                        started, None, None, 0)


def insert(store: Store, *replays: ReplayRecord) -> None:
    store.write_sync(lambda s: [s.event_replays.insert(r) for r in replays])


def get(store: Store, name: str) -> ReplayRecord | None:
    return store.read_sync(lambda s: s.event_replays.get(ACCOUNT, REGION, name))


def names(store: Store, *, prefix: str | None = None, archive: str | None = None, state: str | None = None,
          after: str | None = None, limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.event_replays.list(ACCOUNT, REGION, prefix=prefix, archive_arn=archive,
                                                           state=state, after=after, limit=limit))
    return [r.name for r in found]


def test_insert_get_round_trip_and_scope(store: Store) -> None:
    r = replace(replay("r"), description="d")
    insert(store, r)
    assert get(store, "r") == r
    assert r.position == (-1, 0)
    assert store.read_sync(lambda s: s.event_replays.get(OTHER_ACCOUNT, REGION, "r")) is None
    assert store.read_sync(lambda s: s.event_replays.get(ACCOUNT, "eu-west-1", "r")) is None


def test_duplicate_name_conflicts_and_changes_nothing(store: Store) -> None:
    insert(store, replay("r", archive=ARCHIVE))
    with pytest.raises(ConflictError):
        insert(store, replay("r", archive=OTHER_ARCHIVE))
    assert get(store, "r").archive_arn == ARCHIVE  # type: ignore[union-attr]
    insert(store, replay("r", account=OTHER_ACCOUNT))


def test_list_filters_and_pages(store: Store) -> None:
    insert(store, replay("b", state="COMPLETED"), replay("a-2", archive=OTHER_ARCHIVE), replay("a-1"), replay("A"),
           replay("a-3", account=OTHER_ACCOUNT))
    assert names(store) == ["A", "a-1", "a-2", "b"]
    assert names(store, prefix="a") == ["a-1", "a-2"]
    assert names(store, archive=OTHER_ARCHIVE) == ["a-2"]
    assert names(store, state="COMPLETED") == ["b"]
    assert names(store, state="STARTING", archive=ARCHIVE) == ["A", "a-1"]
    assert names(store, after="A", limit=2) == ["a-1", "a-2"]


def test_active_lists_replays_with_work_left_oldest_first(store: Store) -> None:
    insert(store, replay("running", state="RUNNING", started=30_000), replay("starting", state="STARTING", started=20_000),
           replay("cancelling", state="CANCELLING", started=40_000, account=OTHER_ACCOUNT),
           replay("done", state="COMPLETED", started=1_000), replay("failed", state="FAILED", started=2_000),
           replay("cancelled", state="CANCELLED", started=3_000))
    active = store.write_sync(lambda s: s.event_replays.active(10))
    assert [r.name for r in active] == ["starting", "running", "cancelling"]
    assert [r.name for r in store.write_sync(lambda s: s.event_replays.active(1))] == ["starting"]


def test_advance_moves_the_position_and_state(store: Store) -> None:
    r = replay("r")
    insert(store, r)
    store.write_sync(lambda s: s.event_replays.advance(r.arn, cursor=17, last_replayed=T0 + 5, state="RUNNING"))
    got = get(store, "r")
    assert got is not None and (got.cursor, got.last_replayed, got.state) == (17, T0 + 5, "RUNNING")
    assert got.position == (T0 + 5, 17)


def test_set_state_records_reason_and_end(store: Store) -> None:
    r = replay("r", state="RUNNING")
    insert(store, r)
    store.write_sync(lambda s: s.event_replays.set_state(r.arn, "FAILED", reason="archive deleted",
                                                         ended_at=1_700_000_100_750))
    got = get(store, "r")
    assert got is not None
    assert (got.state, got.state_reason, got.replay_end) == ("FAILED", "archive deleted", 1_700_000_100_750)
    store.write_sync(lambda s: s.event_replays.set_state(r.arn, "RUNNING"))
    got = get(store, "r")
    assert got is not None and (got.state, got.state_reason, got.replay_end) == ("RUNNING", None, None)
    assert got.destination == r.destination and got.replay_start == r.replay_start
