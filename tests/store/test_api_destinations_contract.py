"""The store contract for EventBridge API destinations, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.api_destinations import ApiDestinationRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"
CONNECTION = f"arn:aws:events:{REGION}:{ACCOUNT}:connection/c/1"
OTHER_CONNECTION = f"arn:aws:events:{REGION}:{ACCOUNT}:connection/d/2"


def destination(name: str, *, account: str = ACCOUNT, connection: str = CONNECTION) -> ApiDestinationRecord:
    arn = f"arn:aws:events:{REGION}:{account}:api-destination/{name}/3f"
    return ApiDestinationRecord(account, REGION, name, arn, None, connection, "https://example.com/*/orders", "POST",
                                300, 1_700_000_000_500, 1_700_000_000_500)


def insert(store: Store, *records: ApiDestinationRecord) -> None:
    store.write_sync(lambda s: [s.api_destinations.insert(r) for r in records])


def get(store: Store, name: str, account: str = ACCOUNT) -> ApiDestinationRecord | None:
    return store.read_sync(lambda s: s.api_destinations.get(account, REGION, name))


def names(store: Store, *, prefix: str | None = None, connection: str | None = None, after: str | None = None,
          limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.api_destinations.list(ACCOUNT, REGION, prefix=prefix, connection_arn=connection,
                                                              after=after, limit=limit))
    return [d.name for d in found]


def test_insert_get_by_arn_round_trip(store: Store) -> None:
    d = replace(destination("d"), description="Orders")
    insert(store, d)
    assert get(store, "d") == d
    assert isinstance(get(store, "d").rate_limit, int)  # type: ignore[union-attr]
    assert store.read_sync(lambda s: s.api_destinations.by_arn(d.arn)) == d
    assert store.read_sync(lambda s: s.api_destinations.by_arn("arn:missing")) is None
    assert get(store, "d", OTHER_ACCOUNT) is None


def test_duplicate_name_conflicts_and_changes_nothing(store: Store) -> None:
    insert(store, destination("d"))
    with pytest.raises(ConflictError):
        insert(store, replace(destination("d"), arn="arn:another", http_method="GET"))
    assert get(store, "d").http_method == "POST"  # type: ignore[union-attr]
    insert(store, destination("d", account=OTHER_ACCOUNT))


def test_replace_writes_the_settable_fields(store: Store) -> None:
    d = destination("d")
    insert(store, d)
    changed = replace(d, description="new", connection_arn=OTHER_CONNECTION, endpoint="https://example.org",
                      http_method="PUT", rate_limit=1, modified_at=1_700_000_050_250, created_at=1_000)
    store.write_sync(lambda s: s.api_destinations.replace(changed))
    assert get(store, "d") == replace(changed, created_at=d.created_at)


def test_list_filters_by_connection_and_pages(store: Store) -> None:
    insert(store, destination("b"), destination("a-2", connection=OTHER_CONNECTION), destination("a-1"),
           destination("A"), destination("a-3", account=OTHER_ACCOUNT))
    assert names(store) == ["A", "a-1", "a-2", "b"]
    assert names(store, prefix="a") == ["a-1", "a-2"]
    assert names(store, connection=OTHER_CONNECTION) == ["a-2"]
    assert names(store, connection=CONNECTION, prefix="a") == ["a-1"]
    assert names(store, after="a-1", limit=1) == ["a-2"]


def test_delete(store: Store) -> None:
    insert(store, destination("d"), destination("d", account=OTHER_ACCOUNT))
    assert store.write_sync(lambda s: s.api_destinations.delete(ACCOUNT, REGION, "d")) is True
    assert store.write_sync(lambda s: s.api_destinations.delete(ACCOUNT, REGION, "d")) is False
    assert get(store, "d") is None
    assert get(store, "d", OTHER_ACCOUNT) is not None
