"""``Session.savepoint``: a part of a unit of work that fails alone, on every backend."""

from __future__ import annotations

import pytest

from eventyard.store import Session, open_store
from eventyard.store.event_buses import EventBusRecord


def bus(name: str) -> EventBusRecord:
    arn = f"arn:aws:events:us-east-1:000000000000:event-bus/{name}"
    return EventBusRecord("000000000000", "us-east-1", name, arn, None, None, None, None, None, 1_500, 2_500)


def test_a_failed_part_is_rolled_back_and_the_rest_of_the_unit_commits(store_url: str) -> None:
    store = open_store(store_url)
    try:
        def unit(s: Session) -> None:
            s.event_buses.insert(bus("kept-before"))
            with pytest.raises(RuntimeError):
                with s.savepoint():
                    s.event_buses.insert(bus("dropped"))
                    raise RuntimeError("this part fails")
            with s.savepoint():
                s.event_buses.insert(bus("kept-inside"))
            s.event_buses.insert(bus("kept-after"))

        store.write_sync(unit)
        found = store.read_sync(lambda s: [b.name for b in s.event_buses.list("000000000000", "us-east-1",
                                                                            prefix=None, after=None, limit=10)])
        assert sorted(found) == ["kept-after", "kept-before", "kept-inside"]
    finally:
        store.close()
