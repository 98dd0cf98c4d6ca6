"""The delivery outbox: pending invocations of targets, claimed by workers with a lease."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from eventyard.core import jsondoc

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = "id, origin, account_id, region, target_kind, target, payload, attempts, created_at, due_at, last_error"


@dataclass(frozen=True)
class NewDelivery:
    origin: str  # decides retries and dead letters ('events', 'sns')
    account_id: str
    region: str
    target_kind: str  # picks the deliverer ('sqs', 'http', 'events' ...)
    target: dict[str, Any]
    payload: dict[str, Any]
    created_at: int  # epoch ms
    due_at: int


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    origin: str
    account_id: str
    region: str
    target_kind: str
    target: dict[str, Any]
    payload: dict[str, Any]
    attempts: int  # invocations started so far, this one included once claimed
    created_at: int
    due_at: int
    last_error: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "DeliveryRecord":
        return cls(int(row[0]), row[1], row[2], row[3], row[4], orjson.loads(row[5]), orjson.loads(row[6]),
                   int(row[7]), int(row[8]), int(row[9]), row[10])


class Deliveries:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add(self, deliveries: Sequence[NewDelivery]) -> None:
        if not deliveries:
            return
        self._s.executemany(
            "INSERT INTO deliveries (origin, account_id, region, target_kind, target, payload, created_at, due_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(d.origin, d.account_id, d.region, d.target_kind, orjson.dumps(d.target).decode(),
              jsondoc.dumps(d.payload), d.created_at, d.due_at) for d in deliveries],
        )

    def claim(self, *, now: int, lease_until: int, limit: int) -> list[DeliveryRecord]:
        """Take up to ``limit`` due rows: each counts one more attempt and is hidden until
        ``lease_until``, when it comes due again unless finished or rescheduled first."""
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        rows = self._s.all(
            "UPDATE deliveries SET due_at = ?, attempts = attempts + 1 WHERE id IN"
            f" (SELECT id FROM deliveries WHERE due_at <= ? ORDER BY due_at LIMIT ?{skip})"
            f" RETURNING {_COLUMNS}",
            (lease_until, now, limit),
        )
        return sorted((DeliveryRecord.from_row(r) for r in rows), key=lambda d: d.id)

    def finish(self, ids: Sequence[int]) -> None:
        if ids:
            self._s.executemany("DELETE FROM deliveries WHERE id = ?", [(i,) for i in ids])

    def reschedule(self, delivery_id: int, *, due_at: int, error: str | None) -> None:
        self._s.execute("UPDATE deliveries SET due_at = ?, last_error = ? WHERE id = ?", (due_at, error, delivery_id))

    def next_due(self) -> int | None:
        value = self._s.scalar("SELECT MIN(due_at) FROM deliveries")
        return None if value is None else int(value)

    def pending(self, origin: str | None = None) -> int:
        if origin is None:
            return int(self._s.scalar("SELECT COUNT(*) FROM deliveries"))
        return int(self._s.scalar("SELECT COUNT(*) FROM deliveries WHERE origin = ?", (origin,)))
