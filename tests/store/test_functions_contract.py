"""The store contract for Lambda (function documents, code archives, URLs, event source
mappings, layer versions), on both backends."""

from __future__ import annotations

import pytest

from eventyard.store import ConflictError, Store

ACCOUNT, REGION = "000000000000", "us-east-1"


def test_function_documents_round_trip_page_and_conflict(store: Store) -> None:
    doc = {"latest": {"FunctionName": "b", "Description": "d\u00e9j\u00e0"}, "versions": {}, "reserved": None}
    store.write_sync(lambda s: [s.functions.insert(ACCOUNT, REGION, n, {**doc, "n": n}, 1) for n in ("b", "a", "c")])
    assert store.read_sync(lambda s: s.functions.get(ACCOUNT, REGION, "b")) == {**doc, "n": "b"}
    assert store.read_sync(lambda s: s.functions.get(ACCOUNT, "eu-west-1", "b")) is None
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.functions.insert(ACCOUNT, REGION, "a", doc, 2))
    page = store.read_sync(lambda s: s.functions.page(ACCOUNT, REGION, after="a", limit=1))
    assert [d["n"] for d in page] == ["b"]
    assert store.write_sync(lambda s: s.functions.replace(ACCOUNT, REGION, "b", {"n": "changed"}, 3))
    assert store.write_sync(lambda s: s.functions.get(ACCOUNT, REGION, "b", for_update=True)) == {"n": "changed"}
    assert len(store.read_sync(lambda s: s.functions.all_in_account(ACCOUNT, REGION))) == 3
    assert store.write_sync(lambda s: s.functions.delete(ACCOUNT, REGION, "b"))
    assert not store.write_sync(lambda s: s.functions.delete(ACCOUNT, REGION, "b"))


def test_archives_are_kept_once_by_digest(store: Store) -> None:
    blob = bytes(range(256)) * 10
    store.write_sync(lambda s: [s.functions.put_archive("ab" * 32, blob), s.functions.put_archive("ab" * 32, b"x")])
    assert store.read_sync(lambda s: s.functions.archive("ab" * 32)) == blob
    assert store.read_sync(lambda s: s.functions.archive("cd" * 32)) is None


def test_urls_and_mappings(store: Store) -> None:
    store.write_sync(lambda s: [s.functions.put_url("u1", ACCOUNT, REGION, "f", ""),
                                s.functions.put_url("u2", ACCOUNT, REGION, "f", "live")])
    assert store.read_sync(lambda s: s.functions.url_owner("u2")) == (ACCOUNT, REGION, "f", "live")
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.functions.put_url("u3", ACCOUNT, REGION, "f", "live"))
    store.write_sync(lambda s: s.functions.delete_urls(ACCOUNT, REGION, "f", "live"))
    assert store.read_sync(lambda s: s.functions.url_owner("u2")) is None
    store.write_sync(lambda s: s.functions.delete_urls(ACCOUNT, REGION, "f"))
    assert store.read_sync(lambda s: s.functions.url_owner("u1")) is None

    store.write_sync(lambda s: [s.functions.put_mapping("m1", ACCOUNT, REGION, {"UUID": "m1", "BatchSize": 10}),
                                s.functions.put_mapping("m2", "111111111111", REGION, {"UUID": "m2"})])
    store.write_sync(lambda s: s.functions.put_mapping("m1", ACCOUNT, REGION, {"UUID": "m1", "BatchSize": 5}))
    assert store.read_sync(lambda s: s.functions.mapping("m1")) == (ACCOUNT, REGION, {"UUID": "m1", "BatchSize": 5})
    assert [m["UUID"] for m in store.read_sync(lambda s: s.functions.mappings())] == ["m1", "m2"]
    assert [m["UUID"] for m in store.read_sync(lambda s: s.functions.mappings(ACCOUNT, REGION))] == ["m1"]
    store.write_sync(lambda s: s.functions.delete_mapping("m1"))
    assert store.write_sync(lambda s: s.functions.mapping("m1", for_update=True)) is None


def test_layer_versions_are_numbered_and_never_reused(store: Store) -> None:
    first = store.write_sync(lambda s: s.functions.add_layer_version(ACCOUNT, REGION, "l", {"LayerArn": "a"}))
    second = store.write_sync(lambda s: s.functions.add_layer_version(ACCOUNT, REGION, "l", {"LayerArn": "a"}))
    assert (first, second) == (1, 2)
    store.write_sync(lambda s: s.functions.delete_layer_version(ACCOUNT, REGION, "l", 2))
    assert store.read_sync(lambda s: s.functions.layer_version(ACCOUNT, REGION, "l", 2)) == {"Deleted": True}
    assert store.write_sync(lambda s: s.functions.add_layer_version(ACCOUNT, REGION, "l", {})) == 3
    assert [d.get("Version") for d in store.read_sync(lambda s: s.functions.layer_versions(ACCOUNT, REGION, "l"))] \
        == [3, None, 1]
    assert len(store.read_sync(lambda s: s.functions.layer_versions(ACCOUNT, REGION))) == 3
