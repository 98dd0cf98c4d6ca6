"""The store contract for EventBridge connections, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.connections import ConnectionRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"


def connection(name: str, *, account: str = ACCOUNT, state: str = "AUTHORIZED") -> ConnectionRecord:
    arn = f"arn:aws:events:{REGION}:{account}:connection/{name}/0b1c"
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "s\u00e9cret"}}
    return ConnectionRecord(account, REGION, name, arn, None, "API_KEY", state, None, auth,
                            f"arn:aws:secretsmanager:{REGION}:{account}:secret:events!connection/{name}", None,
                            {"ResourceParameters": {"ResourceConfigurationArn": "arn:rc"}},
                            1_700_000_000_500, 1_700_000_000_500, 1_700_000_001_250)


def insert(store: Store, *records: ConnectionRecord) -> None:
    store.write_sync(lambda s: [s.connections.insert(r) for r in records])


def get(store: Store, name: str, account: str = ACCOUNT) -> ConnectionRecord | None:
    return store.read_sync(lambda s: s.connections.get(account, REGION, name))


def names(store: Store, *, prefix: str | None = None, state: str | None = None, after: str | None = None,
          limit: int = 100) -> list[str]:
    found = store.read_sync(lambda s: s.connections.list(ACCOUNT, REGION, prefix=prefix, state=state, after=after,
                                                         limit=limit))
    return [c.name for c in found]


def test_insert_get_by_arn_round_trip(store: Store) -> None:
    c = connection("c")
    bare = replace(connection("bare"), auth=None, connectivity=None, secret_arn=None, authorized_at=None)
    insert(store, c, bare)
    assert get(store, "c") == c
    assert get(store, "bare") == bare
    assert store.read_sync(lambda s: s.connections.by_arn(c.arn)) == c
    assert store.read_sync(lambda s: s.connections.by_arn(c.arn + "x")) is None
    assert get(store, "c", OTHER_ACCOUNT) is None


def test_duplicate_name_conflicts_and_changes_nothing(store: Store) -> None:
    insert(store, replace(connection("c"), description="one"))
    with pytest.raises(ConflictError):
        insert(store, replace(connection("c"), description="two", arn="arn:another"))
    assert get(store, "c").description == "one"  # type: ignore[union-attr]
    insert(store, connection("c", account=OTHER_ACCOUNT))


def test_replace_writes_every_field_but_identity_and_creation(store: Store) -> None:
    c = connection("c")
    insert(store, c)
    changed = replace(c, description="new", authorization_type="BASIC", state="AUTHORIZING", state_reason="why",
                      auth={"BasicAuthParameters": {"Username": "u", "Password": "p"}}, secret_arn=None,
                      kms_key_identifier="alias/k", connectivity=None, modified_at=1_700_000_009_500,
                      authorized_at=None, created_at=1_000)
    store.write_sync(lambda s: s.connections.replace(changed))
    assert get(store, "c") == replace(changed, created_at=c.created_at)


def test_set_state_only_from_the_expected_state(store: Store) -> None:
    c = connection("c", state="AUTHORIZING")
    insert(store, c)
    assert store.write_sync(lambda s: s.connections.set_state(c.arn, "AUTHORIZED", reason=None, authorized_at=5_500,
                                                              only_if="DEAUTHORIZED")) is False
    assert get(store, "c").state == "AUTHORIZING"  # type: ignore[union-attr]
    assert store.write_sync(lambda s: s.connections.set_state(c.arn, "AUTHORIZED", reason="ok", authorized_at=5_500,
                                                              only_if="AUTHORIZING")) is True
    got = get(store, "c")
    assert got is not None and (got.state, got.state_reason, got.authorized_at) == ("AUTHORIZED", "ok", 5_500)
    # No authorization time given: the last one stays.
    assert store.write_sync(lambda s: s.connections.set_state(c.arn, "DEAUTHORIZED", reason="gone",
                                                              authorized_at=None)) is True
    got = get(store, "c")
    assert got is not None and (got.state, got.authorized_at) == ("DEAUTHORIZED", 5_500)
    assert store.write_sync(lambda s: s.connections.set_state("arn:missing", "AUTHORIZED", reason=None,
                                                              authorized_at=None)) is False


def test_list_filters_and_pages(store: Store) -> None:
    insert(store, connection("b"), connection("a-2", state="DEAUTHORIZED"), connection("a-1"), connection("A"),
           connection("a-3", account=OTHER_ACCOUNT))
    assert names(store) == ["A", "a-1", "a-2", "b"]
    assert names(store, prefix="a") == ["a-1", "a-2"]
    assert names(store, state="DEAUTHORIZED") == ["a-2"]
    assert names(store, state="AUTHORIZED", prefix="a") == ["a-1"]
    assert names(store, after="a-1", limit=1) == ["a-2"]


def test_delete(store: Store) -> None:
    insert(store, connection("c"), connection("c", account=OTHER_ACCOUNT))
    assert store.write_sync(lambda s: s.connections.delete(ACCOUNT, REGION, "c")) is True
    assert store.write_sync(lambda s: s.connections.delete(ACCOUNT, REGION, "c")) is False
    assert get(store, "c") is None
    assert get(store, "c", OTHER_ACCOUNT) is not None
