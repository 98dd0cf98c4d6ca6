"""EventBridge API destinations: HTTP endpoints that rules invoke through a connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, name, arn, description, connection_arn, endpoint, http_method, rate_limit,"
    " created_at, modified_at"
)


@dataclass(frozen=True)
class ApiDestinationRecord:
    account_id: str
    region: str
    name: str
    arn: str
    description: str | None
    connection_arn: str
    endpoint: str  # InvocationEndpoint, '*' marks path parameters
    http_method: str
    rate_limit: int  # InvocationRateLimitPerSecond
    created_at: int  # epoch ms
    modified_at: int

    @classmethod
    def from_row(cls, row: Any) -> "ApiDestinationRecord":
        values = list(row)
        values[8] = int(values[8])
        return cls(*values)


class ApiDestinations:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def insert(self, record: ApiDestinationRecord) -> None:
        """Add ``record``; ``ConflictError`` when the name is taken."""
        r = record
        self._s.execute(
            f"INSERT INTO event_api_destinations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.account_id, r.region, r.name, r.arn, r.description, r.connection_arn, r.endpoint, r.http_method,
             r.rate_limit, r.created_at, r.modified_at),
        )

    def replace(self, record: ApiDestinationRecord) -> None:
        r = record
        self._s.execute(
            "UPDATE event_api_destinations SET description = ?, connection_arn = ?, endpoint = ?, http_method = ?,"
            " rate_limit = ?, modified_at = ? WHERE account_id = ? AND region = ? AND name = ?",
            (r.description, r.connection_arn, r.endpoint, r.http_method, r.rate_limit, r.modified_at,
             r.account_id, r.region, r.name),
        )

    def get(self, account_id: str, region: str, name: str) -> ApiDestinationRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_api_destinations WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return ApiDestinationRecord.from_row(row) if row else None

    def by_arn(self, arn: str) -> ApiDestinationRecord | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM event_api_destinations WHERE arn = ?", (arn,))
        return ApiDestinationRecord.from_row(row) if row else None

    def list(self, account_id: str, region: str, *, prefix: str | None, connection_arn: str | None,
             after: str | None, limit: int) -> list[ApiDestinationRecord]:
        base = f"SELECT {_COLUMNS} FROM event_api_destinations WHERE account_id = ? AND region = ?"
        params: list[object] = [account_id, region]
        if connection_arn is not None:
            base += " AND connection_arn = ?"
            params.append(connection_arn)
        sql, params = key_page(base, params, prefix=prefix, after=after, limit=limit)
        return [ApiDestinationRecord.from_row(row) for row in self._s.all(sql, params)]

    def delete(self, account_id: str, region: str, name: str) -> bool:
        cur = self._s.execute(
            "DELETE FROM event_api_destinations WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return bool(cur.rowcount == 1)
