"""The runtime's durable jobs (timers, next execution steps), claimed by workers with a
lease.

A claim moves a due row's ``due_at`` to the end of its lease and counts an attempt; the
claimed record (its ``attempts`` and ``due_at``) is the worker's proof of holding it.
``finish`` and ``reschedule`` take that record and change the row only if it is still
held by that claim: after a lease ran out and another worker claimed the row, or after
the job was replaced or cancelled, the late worker's write changes nothing and returns
False. A job with a ``key`` is unique within its kind: adding it again replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["JobRecord", "Jobs", "NewJob"]

_COLUMNS = "id, kind, job_key, payload, attempts, created_at, due_at, last_error"


@dataclass(frozen=True)
class NewJob:
    kind: str  # picks the handler
    payload: dict[str, Any]
    created_at: int  # epoch ms
    due_at: int
    key: str | None = None  # unique within the kind: a later add replaces the job


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    key: str | None
    payload: dict[str, Any]
    attempts: int  # claims so far, this one included once claimed
    created_at: int
    due_at: int  # once claimed: when the lease runs out
    last_error: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "JobRecord":
        return cls(int(row[0]), row[1], row[2], orjson.loads(row[3]), int(row[4]), int(row[5]), int(row[6]), row[7])


class Jobs:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add(self, job: NewJob) -> int:
        """Store ``job``; a keyed job replaces the one of its kind and key (attempts and
        error start afresh, and whoever held the old one can no longer finish it)."""
        payload = orjson.dumps(job.payload).decode()
        sql = "INSERT INTO jobs (kind, job_key, payload, created_at, due_at) VALUES (?, ?, ?, ?, ?)"
        if job.key is not None:
            sql += (" ON CONFLICT (kind, job_key) WHERE job_key IS NOT NULL DO UPDATE SET payload = excluded.payload,"
                    " created_at = excluded.created_at, due_at = excluded.due_at, attempts = 0, last_error = NULL")
        return int(self._s.scalar(sql + " RETURNING id", (job.kind, job.key, payload, job.created_at, job.due_at)))

    def claim(self, kinds: Sequence[str], *, now: int, lease_until: int, limit: int) -> list[JobRecord]:
        """Take up to ``limit`` due jobs of ``kinds``, earliest due first: each counts one
        more attempt and is hidden until ``lease_until``, when it comes due again unless
        finished or rescheduled first. Returned in id order."""
        if not kinds:
            return []
        marks = ", ".join("?" for _ in kinds)
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        rows = self._s.all(
            "UPDATE jobs SET due_at = ?, attempts = attempts + 1 WHERE id IN"
            f" (SELECT id FROM jobs WHERE due_at <= ? AND kind IN ({marks}) ORDER BY due_at LIMIT ?{skip})"
            f" RETURNING {_COLUMNS}",
            (lease_until, now, *kinds, limit),
        )
        return sorted((JobRecord.from_row(r) for r in rows), key=lambda j: j.id)

    def finish(self, held: JobRecord) -> bool:
        """Drop a job this claim still holds; False (nothing changed) otherwise."""
        cur = self._s.execute("DELETE FROM jobs WHERE id = ? AND attempts = ? AND due_at = ?",
                              (held.id, held.attempts, held.due_at))
        return bool(cur.rowcount == 1)

    def reschedule(self, held: JobRecord, *, due_at: int, error: str | None = None,
                   payload: dict[str, Any] | None = None) -> bool:
        """Make a job this claim still holds due again at ``due_at`` (with a new payload if
        given); False (nothing changed) if it is no longer held by this claim."""
        if payload is None:
            cur = self._s.execute("UPDATE jobs SET due_at = ?, last_error = ? WHERE id = ? AND attempts = ? AND due_at = ?",
                                  (due_at, error, held.id, held.attempts, held.due_at))
        else:
            cur = self._s.execute(
                "UPDATE jobs SET due_at = ?, last_error = ?, payload = ? WHERE id = ? AND attempts = ? AND due_at = ?",
                (due_at, error, orjson.dumps(payload).decode(), held.id, held.attempts, held.due_at))
        return bool(cur.rowcount == 1)

    def get(self, kind: str, key: str) -> JobRecord | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND job_key = ?", (kind, key))
        return None if row is None else JobRecord.from_row(row)

    def cancel(self, kind: str, key: str) -> bool:
        """Drop the job of ``kind`` and ``key`` (e.g. a heartbeat arrived); False if none."""
        cur = self._s.execute("DELETE FROM jobs WHERE kind = ? AND job_key = ?", (kind, key))
        return bool(cur.rowcount == 1)

    def next_due(self, kinds: Sequence[str]) -> int | None:
        if not kinds:
            return None
        marks = ", ".join("?" for _ in kinds)
        value = self._s.scalar(f"SELECT MIN(due_at) FROM jobs WHERE kind IN ({marks})", tuple(kinds))
        return None if value is None else int(value)

    def pending(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self._s.scalar("SELECT COUNT(*) FROM jobs"))
        return int(self._s.scalar("SELECT COUNT(*) FROM jobs WHERE kind = ?", (kind,)))
