"""EventBridge connections: how API destinations authorize, scoped by account and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, name, arn, description, authorization_type, state, state_reason, auth,"
    " secret_arn, kms_key_identifier, connectivity, created_at, modified_at, authorized_at"
)


@dataclass(frozen=True)
class ConnectionRecord:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    authorization_type: str  # API_KEY | BASIC | OAUTH_CLIENT_CREDENTIALS
    state: str  # AUTHORIZED | AUTHORIZING | DEAUTHORIZED ...
    state_reason: str | None
    auth: dict[str, Any] | None  # AuthParameters (secret values are in the connection's secret); None once deauthorized
    secret_arn: str | None
    kms_key_identifier: str | None
    connectivity: dict[str, Any] | None  # InvocationConnectivityParameters
    created_at: int  # epoch ms
    modified_at: int
    authorized_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> "ConnectionRecord":
        values = list(row)
        values[8] = orjson.loads(values[8]) if values[8] is not None else None
        values[11] = orjson.loads(values[11]) if values[11] is not None else None
        return cls(*values)

    def row(self) -> tuple[Any, ...]:
        return (
            self.account_id, self.region, self.name, self.arn, self.description, self.authorization_type,
            self.state, self.state_reason, None if self.auth is None else orjson.dumps(self.auth).decode(),
            self.secret_arn, self.kms_key_identifier,
            None if self.connectivity is None else orjson.dumps(self.connectivity).decode(),
            self.created_at, self.modified_at, self.authorized_at,
        )


class Connections:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def insert(self, record: ConnectionRecord) -> None:
        """Add ``record``; ``ConflictError`` when the name is taken."""
        self._s.execute(f"INSERT INTO event_connections ({_COLUMNS}) VALUES ({', '.join('?' * 15)})", record.row())

    def replace(self, record: ConnectionRecord) -> None:
        """Write every field of an existing connection (same account, region and name)."""
        row = record.row()
        self._s.execute(
            "UPDATE event_connections SET description = ?, authorization_type = ?, state = ?, state_reason = ?,"
            " auth = ?, secret_arn = ?, kms_key_identifier = ?, connectivity = ?, modified_at = ?, authorized_at = ?"
            " WHERE account_id = ? AND region = ? AND name = ?",
            (*row[4:12], row[13], row[14], record.account_id, record.region, record.name),
        )

    def set_state(self, arn: str, state: str, *, reason: str | None, authorized_at: int | None,
                  only_if: str | None = None) -> bool:
        """Move the connection to ``state`` (only from ``only_if`` when given)."""
        sql = "UPDATE event_connections SET state = ?, state_reason = ?, authorized_at = COALESCE(?, authorized_at) WHERE arn = ?"
        params: list[Any] = [state, reason, authorized_at, arn]
        if only_if is not None:
            sql += " AND state = ?"
            params.append(only_if)
        return bool(self._s.execute(sql, params).rowcount == 1)

    def get(self, account_id: str, region: str, name: str) -> ConnectionRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_connections WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return ConnectionRecord.from_row(row) if row else None

    def by_arn(self, arn: str) -> ConnectionRecord | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM event_connections WHERE arn = ?", (arn,))
        return ConnectionRecord.from_row(row) if row else None

    def list(self, account_id: str, region: str, *, prefix: str | None, state: str | None, after: str | None,
             limit: int) -> list[ConnectionRecord]:
        base = f"SELECT {_COLUMNS} FROM event_connections WHERE account_id = ? AND region = ?"
        params: list[object] = [account_id, region]
        if state is not None:
            base += " AND state = ?"
            params.append(state)
        sql, params = key_page(base, params, prefix=prefix, after=after, limit=limit)
        return [ConnectionRecord.from_row(row) for row in self._s.all(sql, params)]

    def delete(self, account_id: str, region: str, name: str) -> bool:
        cur = self._s.execute(
            "DELETE FROM event_connections WHERE account_id = ? AND region = ? AND name = ?", (account_id, region, name)
        )
        return bool(cur.rowcount == 1)
