"""Event buses, scoped by account and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, name, arn, description, kms_key_identifier,"
    " dead_letter_arn, policy, log_config, created_at, modified_at"
)


@dataclass(frozen=True)
class EventBusRecord:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    kms_key_identifier: str | None
    dead_letter_arn: str | None
    policy: str | None
    log_config: str | None  # JSON of the bus's LogConfig
    created_at: int  # epoch ms
    modified_at: int


class EventBuses:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def insert(self, bus: EventBusRecord, *, if_absent: bool = False) -> bool:
        """Add ``bus``; False when one of that name exists (only with ``if_absent``)."""
        sql = f"INSERT INTO event_buses ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        if if_absent:
            sql += " ON CONFLICT DO NOTHING"
        cur = self._s.execute(
            sql,
            (
                bus.account_id, bus.region, bus.name, bus.arn, bus.description,
                bus.kms_key_identifier, bus.dead_letter_arn, bus.policy, bus.log_config,
                bus.created_at, bus.modified_at,
            ),
        )
        return bool(cur.rowcount == 1)

    def get(self, account_id: str, region: str, name: str, *, for_update: bool = False) -> EventBusRecord | None:
        """``for_update``: the row stays locked until the transaction ends (PostgreSQL), so a
        read-modify-write of its policy cannot lose a concurrent one's statement; SQLite's
        one writer already serializes them."""
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_buses WHERE account_id = ? AND region = ? AND name = ?{lock}",
            (account_id, region, name),
        )
        return EventBusRecord(*row) if row else None

    def list(
        self, account_id: str, region: str, *, prefix: str | None, after: str | None, limit: int
    ) -> list[EventBusRecord]:
        """Buses ordered by name, ``name > after``, starting with ``prefix``."""
        sql, params = key_page(
            f"SELECT {_COLUMNS} FROM event_buses WHERE account_id = ? AND region = ?",
            [account_id, region], prefix=prefix, after=after, limit=limit,
        )
        return [EventBusRecord(*row) for row in self._s.all(sql, params)]

    def update_settings(self, bus: EventBusRecord) -> None:
        """Store ``bus``'s description, KMS key, dead-letter queue, log config and modified time."""
        self._s.execute(
            "UPDATE event_buses SET description = ?, kms_key_identifier = ?, dead_letter_arn = ?, log_config = ?,"
            " modified_at = ? WHERE account_id = ? AND region = ? AND name = ?",
            (bus.description, bus.kms_key_identifier, bus.dead_letter_arn, bus.log_config, bus.modified_at,
             bus.account_id, bus.region, bus.name),
        )

    def delete(self, account_id: str, region: str, name: str) -> bool:
        cur = self._s.execute(
            "DELETE FROM event_buses WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return bool(cur.rowcount == 1)

    def exists_arn(self, arn: str) -> bool:
        return self._s.one("SELECT 1 FROM event_buses WHERE arn = ?", (arn,)) is not None
