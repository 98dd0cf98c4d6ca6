"""The delivery outbox: pending invocations of targets, as rows of the job table's
``OUTBOX`` lane (``store.jobs``), claimed by workers with a lease.

This is the outbox's typed view of those rows: a delivery's ``kind`` is
``<origin>:<target_kind>`` (who decides retries, and which deliverer invokes it), and
its job payload holds the rest (``account_id``, ``region``, ``target``, ``payload``).
Claims, leases and fences are the job table's: ``finish`` and ``reschedule`` change a
row only while the claim that returned the record still holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from eventyard.core import jsondoc
from eventyard.store.jobs import INSERT, OUTBOX, loads_payload

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["Deliveries", "DeliveryRecord", "NewDelivery"]


@dataclass(frozen=True)
class NewDelivery:
    origin: str  # decides retries and dead letters ('events', 'sns'); no ':' in it
    account_id: str
    region: str
    target_kind: str  # picks the deliverer ('sqs', 'http', 'events' ...)
    target: dict[str, Any]
    payload: dict[str, Any]
    created_at: int  # epoch ms
    due_at: int

    def row(self) -> tuple[Any, ...]:
        """As a row of the job table (``store.jobs.INSERT``)."""
        document = {"account_id": self.account_id, "region": self.region, "target": self.target,
                    "payload": self.payload}
        return (OUTBOX, f"{self.origin}:{self.target_kind}", None, jsondoc.dumps(document), self.created_at,
                self.due_at)


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
    due_at: int  # once claimed: when the lease runs out
    last_error: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "DeliveryRecord":
        """From a claimed row of the job table (``store.jobs.ROW_COLUMNS``)."""
        origin, _, target_kind = row[1].partition(":")
        doc = loads_payload(row[3])
        return cls(int(row[0]), origin, doc["account_id"], doc["region"], target_kind, doc["target"], doc["payload"],
                   int(row[4]), int(row[5]), int(row[6]), row[7])


class Deliveries:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add(self, deliveries: Sequence[NewDelivery]) -> None:
        """Write outbox rows in the caller's unit of work, in one batch."""
        if deliveries:  # the PutEvents path: written directly, without a NewJob per row
            self._s.executemany(INSERT, [d.row() for d in deliveries])

    def claim(self, *, now: int, lease_until: int, limit: int) -> list[DeliveryRecord]:
        """Take up to ``limit`` due rows, earliest due first: each counts one more attempt
        and is hidden until ``lease_until``, when it comes due again unless finished or
        rescheduled first. Returned in id order."""
        rows = self._s.jobs.claim_rows(None, now=now, lease_until=lease_until, limit=limit, lane=OUTBOX)
        return [DeliveryRecord.from_row(row) for row in rows]

    def finish(self, held: DeliveryRecord) -> bool:
        """Drop a row this claim still holds; False (nothing changed) otherwise."""
        return self._s.jobs.finish(held)

    def finish_all(self, held: Sequence[DeliveryRecord]) -> None:
        """Drop the rows these claims still hold, in one batch."""
        self._s.jobs.finish_all(held)

    def reschedule(self, held: DeliveryRecord, *, due_at: int, error: str | None) -> bool:
        """Make a row this claim still holds due again at ``due_at``, noting ``error``;
        False (nothing changed) if another claim holds it now."""
        return self._s.jobs.reschedule(held, due_at=due_at, error=error)

    def next_due(self) -> int | None:
        return self._s.jobs.next_due(None, lane=OUTBOX)

    def pending(self, origin: str | None = None) -> int:
        """Rows not finished yet (claimed ones included), of ``origin`` if given."""
        if origin is None:
            return self._s.jobs.pending(lane=OUTBOX)
        return self._s.jobs.pending(lane=OUTBOX, kind_prefix=f"{origin}:")
