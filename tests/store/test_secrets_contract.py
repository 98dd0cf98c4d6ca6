"""The store contract for Secrets Manager (secrets, versions, the data key), on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.secrets import SecretRecord, SecretVersionRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"


def secret(name: str, *, account: str = ACCOUNT, suffix: str = "AbC123") -> SecretRecord:
    arn = f"arn:aws:secretsmanager:{REGION}:{account}:secret:{name}-{suffix}"
    return SecretRecord(account, REGION, name, arn, "a d\u00e9scription", "alias/mine", None, None,
                        1_700_000_000_123, 1_700_000_000_456, None, None)


def version(arn: str, version_id: str, stages: tuple[str, ...] = ("AWSCURRENT",), created: int = 1) -> SecretVersionRecord:
    return SecretVersionRecord(arn, version_id, stages, "string", "c2VhbGVk", created, None)


def test_insert_get_by_arn_list_round_trip(store: Store) -> None:
    a, b = secret("b/one"), replace(secret("a.two", suffix="XyZ789"), description=None, kms_key_id=None,
                                    owning_service="events", policy='{"Statement": []}', accessed_ms=5, deleted_ms=9)
    store.write_sync(lambda s: [s.secrets.insert(r) for r in (a, b, secret("c", account=OTHER_ACCOUNT))])
    assert store.read_sync(lambda s: s.secrets.get(ACCOUNT, REGION, "b/one")) == a
    assert store.read_sync(lambda s: s.secrets.by_arn(b.arn)) == b
    assert store.read_sync(lambda s: s.secrets.get(ACCOUNT, "eu-west-1", "b/one")) is None
    assert store.read_sync(lambda s: s.secrets.by_arn(a.arn + "x")) is None
    assert [r.name for r in store.read_sync(lambda s: s.secrets.in_region(ACCOUNT, REGION))] == ["a.two", "b/one"]


def test_a_taken_name_conflicts_and_changes_nothing(store: Store) -> None:
    store.write_sync(lambda s: s.secrets.insert(secret("n")))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.secrets.insert(replace(secret("n", suffix="Other1"), description="two")))
    assert store.read_sync(lambda s: s.secrets.get(ACCOUNT, REGION, "n")).description == "a d\u00e9scription"  # type: ignore[union-attr]


def test_replace_writes_the_mutable_fields(store: Store) -> None:
    record = secret("n")
    store.write_sync(lambda s: s.secrets.insert(record))
    changed = replace(record, description=None, kms_key_id="k", owning_service="events", policy="{}",
                      changed_ms=7, accessed_ms=8, deleted_ms=9)
    assert store.write_sync(lambda s: s.secrets.replace(changed)) is True
    assert store.read_sync(lambda s: s.secrets.by_arn(record.arn)) == changed
    assert store.write_sync(lambda s: s.secrets.replace(replace(changed, arn="arn:none"))) is False


def test_versions_stages_and_access(store: Store) -> None:
    record = secret("n")
    store.write_sync(lambda s: s.secrets.insert(record))
    store.write_sync(lambda s: [s.secrets.add_version(version(record.arn, "v2", ("AWSCURRENT", "X"), created=2)),
                                s.secrets.add_version(version(record.arn, "v1", ("AWSPREVIOUS",), created=1))])
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.secrets.add_version(version(record.arn, "v1")))
    assert [v.version_id for v in store.read_sync(lambda s: s.secrets.versions(record.arn))] == ["v1", "v2"]
    assert store.read_sync(lambda s: s.secrets.version(record.arn, "v2")) == version(record.arn, "v2", ("AWSCURRENT", "X"), 2)
    assert store.write_sync(lambda s: s.secrets.set_stages(record.arn, "v1", ())) is True
    assert store.read_sync(lambda s: s.secrets.version(record.arn, "v1")).stages == ()  # type: ignore[union-attr]
    store.write_sync(lambda s: s.secrets.mark_accessed(record.arn, "v2", 86_400_000))
    assert store.read_sync(lambda s: s.secrets.version(record.arn, "v2")).accessed_ms == 86_400_000  # type: ignore[union-attr]
    assert store.read_sync(lambda s: s.secrets.by_arn(record.arn)).accessed_ms == 86_400_000  # type: ignore[union-attr]
    assert store.write_sync(lambda s: s.secrets.delete_version(record.arn, "v1")) is True
    assert store.read_sync(lambda s: s.secrets.version(record.arn, "v1")) is None


def test_delete_drops_the_secret_and_its_versions(store: Store) -> None:
    record = secret("n")
    store.write_sync(lambda s: [s.secrets.insert(record), s.secrets.add_version(version(record.arn, "v1"))])
    assert store.write_sync(lambda s: s.secrets.delete(record.arn)) is True
    assert store.read_sync(lambda s: s.secrets.versions(record.arn)) == []
    assert store.write_sync(lambda s: s.secrets.delete(record.arn)) is False
    store.write_sync(lambda s: s.secrets.insert(replace(record, arn=record.arn[:-6] + "New123")))  # the name is free


def test_the_data_key_is_made_once(store: Store) -> None:
    assert store.read_sync(lambda s: s.secrets.stored_key("k")) is None
    assert store.write_sync(lambda s: s.secrets.data_key("k", "first")) == "first"
    assert store.write_sync(lambda s: s.secrets.data_key("k", "second")) == "first"
    assert store.read_sync(lambda s: s.secrets.stored_key("k")) == "first"


def test_lock_tells_whether_the_secret_exists(store: Store) -> None:
    record = secret("n")
    store.write_sync(lambda s: s.secrets.insert(record))
    assert store.write_sync(lambda s: s.secrets.lock(record.arn)) is True
    assert store.write_sync(lambda s: s.secrets.lock(record.arn + "x")) is False
