"""The store contract for the server's own keys, on both backends."""

from __future__ import annotations

from eventyard.store import Store


def test_a_key_is_stored_once_per_purpose(store: Store) -> None:
    assert store.read_sync(lambda s: s.server_keys.get("sts")) is None
    assert store.write_sync(lambda s: s.server_keys.put_once("sts", "first", 1)) == "first"
    # a second node racing to store its own key gets the first one back
    assert store.write_sync(lambda s: s.server_keys.put_once("sts", "second", 2)) == "first"
    assert store.read_sync(lambda s: s.server_keys.get("sts")) == "first"
    assert store.write_sync(lambda s: s.server_keys.put_once("other", "k", 3)) == "k"
    assert store.read_sync(lambda s: s.server_keys.get("sts")) == "first"
