"""Writing and reading secret values inside a unit of work: the data key, sealing, and
the staging labels a new version moves. Shared by the service's operations and by the
secrets other services keep here (``managed.py``), so both write the same way."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import replace

from eventyard.services.secretsmanager import staging
from eventyard.core.errors import ServiceError
from eventyard.services.secretsmanager.sealing import KEY_NAME, Sealer, SealingError, new_key
from eventyard.store import Session, Store
from eventyard.store.secrets import SecretRecord, SecretVersionRecord

Value = str | bytes


class KeyRing:
    """The data key: the operator's (``fixed``), or the store's, made once and committed
    before any value is sealed with it (a key first written inside a unit of work that
    then rolls back would leave values no key opens)."""

    def __init__(self, store: Store, fixed: bytes | None = None) -> None:
        if fixed is None:
            material = store.write_sync(lambda s: s.secrets.data_key(KEY_NAME, new_key()))
            fixed = base64.b64decode(material)
        self._sealer = Sealer(fixed)

    @property
    def sealer(self) -> Sealer:
        return self._sealer


def value_bytes(value: Value) -> bytes:
    return value.encode() if isinstance(value, str) else value


def labels_of(versions: Sequence[SecretVersionRecord]) -> dict[str, tuple[str, ...]]:
    return {v.version_id: v.stages for v in versions}


def restage(s: Session, arn: str, before: dict[str, tuple[str, ...]], after: dict[str, tuple[str, ...]],
            skip: str | None = None) -> None:
    """Write the labels that changed (``skip``: a version written whole just now)."""
    for version_id, stages in after.items():
        if version_id != skip and before.get(version_id) != stages:
            s.secrets.set_stages(arn, version_id, stages)


def add_version(s: Session, ring: KeyRing, secret: SecretRecord, version_id: str, value: Value,
                stages: Sequence[str], now_ms: int) -> SecretVersionRecord:
    """Seal ``value`` as a new version carrying ``stages`` (taken from the other versions)."""
    s.secrets.lock(secret.arn)
    before = labels_of(s.secrets.versions(secret.arn))
    after = staging.attach_new(before, version_id, stages)
    sealed = ring.sealer.seal(value_bytes(value), secret.arn, version_id)
    version = SecretVersionRecord(secret.arn, version_id, after[version_id],
                                  "string" if isinstance(value, str) else "binary", sealed, now_ms, None)
    s.secrets.add_version(version)
    restage(s, secret.arn, before, after, skip=version_id)
    s.secrets.replace(replace(secret, changed_ms=now_ms))
    return version


def open_value(ring: KeyRing, version: SecretVersionRecord) -> Value:
    """The value, or AWS's DecryptionFailure when it does not open (sealed under another
    key: the server was started with another ``--secrets-key``)."""
    try:
        raw = ring.sealer.open(version.sealed, version.secret_arn, version.version_id)
    except SealingError:
        raise ServiceError("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the"
                                                " provided KMS key.") from None
    return raw.decode() if version.value_kind == "string" else raw
