"""Secrets Manager: secrets, their versions (values sealed by the service before they
get here), and the store's data key, scoped by account and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["SecretRecord", "SecretVersionRecord", "Secrets"]

_SECRET_COLUMNS = ("account_id, region, name, arn, description, kms_key_id, owning_service, policy,"
                   " created_ms, changed_ms, accessed_ms, deleted_ms")
_VERSION_COLUMNS = "secret_arn, version_id, stages, value_kind, sealed, created_ms, accessed_ms"


@dataclass(frozen=True)
class SecretRecord:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    kms_key_id: str | None
    owning_service: str | None  # the service that manages it ("events"), None for a user's own
    policy: str | None  # resource policy, JSON text
    created_ms: int
    changed_ms: int
    accessed_ms: int | None
    deleted_ms: int | None  # set while scheduled for deletion: when it will be purged

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "SecretRecord":
        values = list(row)
        for i in (8, 9):
            values[i] = int(values[i])
        for i in (10, 11):
            values[i] = None if values[i] is None else int(values[i])
        return cls(*values)

    def row(self) -> tuple[Any, ...]:
        return (self.account_id, self.region, self.name, self.arn, self.description, self.kms_key_id,
                self.owning_service, self.policy, self.created_ms, self.changed_ms, self.accessed_ms,
                self.deleted_ms)


@dataclass(frozen=True)
class SecretVersionRecord:
    secret_arn: str
    version_id: str
    stages: tuple[str, ...]  # staging labels; empty once deprecated
    value_kind: str  # "string" | "binary"
    sealed: str  # what the service's sealing made of the value
    created_ms: int
    accessed_ms: int | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "SecretVersionRecord":
        return cls(row[0], row[1], tuple(orjson.loads(row[2])), row[3], row[4], int(row[5]),
                   None if row[6] is None else int(row[6]))

    def row(self) -> tuple[Any, ...]:
        return (self.secret_arn, self.version_id, orjson.dumps(list(self.stages)).decode(), self.value_kind,
                self.sealed, self.created_ms, self.accessed_ms)


class Secrets:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- secrets -----------------------------------------------------------------------
    def insert(self, record: SecretRecord) -> None:
        """Add ``record``; ``ConflictError`` when its name (or ARN) is taken."""
        self._s.execute(f"INSERT INTO secrets ({_SECRET_COLUMNS}) VALUES ({', '.join('?' * 12)})", record.row())

    def replace(self, record: SecretRecord) -> bool:
        """Write every mutable field of the secret with ``record``'s ARN."""
        cur = self._s.execute(
            "UPDATE secrets SET description = ?, kms_key_id = ?, owning_service = ?, policy = ?, changed_ms = ?,"
            " accessed_ms = ?, deleted_ms = ? WHERE arn = ?",
            (record.description, record.kms_key_id, record.owning_service, record.policy, record.changed_ms,
             record.accessed_ms, record.deleted_ms, record.arn))
        return bool(cur.rowcount == 1)

    def get(self, account_id: str, region: str, name: str) -> SecretRecord | None:
        row = self._s.one(f"SELECT {_SECRET_COLUMNS} FROM secrets WHERE account_id = ? AND region = ? AND name = ?",
                          (account_id, region, name))
        return None if row is None else SecretRecord.from_row(row)

    def by_arn(self, arn: str) -> SecretRecord | None:
        row = self._s.one(f"SELECT {_SECRET_COLUMNS} FROM secrets WHERE arn = ?", (arn,))
        return None if row is None else SecretRecord.from_row(row)

    def in_region(self, account_id: str, region: str) -> list[SecretRecord]:
        """Every secret of the account and region (those scheduled for deletion too), by name."""
        rows = self._s.all(f"SELECT {_SECRET_COLUMNS} FROM secrets WHERE account_id = ? AND region = ? ORDER BY name",
                           (account_id, region))
        return [SecretRecord.from_row(r) for r in rows]

    def lock(self, arn: str) -> bool:
        """Hold the secret's row until the unit of work ends, so that concurrent label
        changes of one secret apply one after the other (PostgreSQL; SQLite's writes are
        serial already). False if there is no such secret."""
        for_update = " FOR UPDATE" if self._s.dialect == "postgres" else ""
        return self._s.one(f"SELECT arn FROM secrets WHERE arn = ?{for_update}", (arn,)) is not None

    def delete(self, arn: str) -> bool:
        """Drop the secret with its versions (its tags are the caller's)."""
        self._s.execute("DELETE FROM secret_versions WHERE secret_arn = ?", (arn,))
        return bool(self._s.execute("DELETE FROM secrets WHERE arn = ?", (arn,)).rowcount == 1)

    # -- versions ----------------------------------------------------------------------
    def add_version(self, version: SecretVersionRecord) -> None:
        """Add a version; ``ConflictError`` when the secret has one of that id."""
        self._s.execute(f"INSERT INTO secret_versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", version.row())

    def versions(self, arn: str) -> list[SecretVersionRecord]:
        """The secret's versions, oldest first."""
        rows = self._s.all(f"SELECT {_VERSION_COLUMNS} FROM secret_versions WHERE secret_arn = ?"
                           " ORDER BY created_ms, version_id", (arn,))
        return [SecretVersionRecord.from_row(r) for r in rows]

    def version(self, arn: str, version_id: str) -> SecretVersionRecord | None:
        row = self._s.one(f"SELECT {_VERSION_COLUMNS} FROM secret_versions WHERE secret_arn = ? AND version_id = ?",
                          (arn, version_id))
        return None if row is None else SecretVersionRecord.from_row(row)

    def set_stages(self, arn: str, version_id: str, stages: Sequence[str]) -> bool:
        cur = self._s.execute("UPDATE secret_versions SET stages = ? WHERE secret_arn = ? AND version_id = ?",
                              (orjson.dumps(list(stages)).decode(), arn, version_id))
        return bool(cur.rowcount == 1)

    def mark_accessed(self, arn: str, version_id: str, day_ms: int) -> None:
        """GetSecretValue was called (AWS keeps the day only)."""
        self._s.execute("UPDATE secret_versions SET accessed_ms = ? WHERE secret_arn = ? AND version_id = ?",
                        (day_ms, arn, version_id))
        self._s.execute("UPDATE secrets SET accessed_ms = ? WHERE arn = ?", (day_ms, arn))

    def delete_version(self, arn: str, version_id: str) -> bool:
        cur = self._s.execute("DELETE FROM secret_versions WHERE secret_arn = ? AND version_id = ?", (arn, version_id))
        return bool(cur.rowcount == 1)

    # -- the store's data key ----------------------------------------------------------
    def stored_key(self, name: str) -> str | None:
        found = self._s.scalar("SELECT material FROM store_keys WHERE name = ?", (name,))
        return None if found is None else str(found)

    def data_key(self, name: str, candidate: str) -> str:
        """The key material kept under ``name``; ``candidate`` is stored first if there is
        none yet (the first of two racing nodes wins, both get its key)."""
        found = self.stored_key(name)
        if found is not None:
            return str(found)
        self._s.execute("INSERT INTO store_keys (name, material) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                        (name, candidate))
        return str(self._s.scalar("SELECT material FROM store_keys WHERE name = ?", (name,)))
