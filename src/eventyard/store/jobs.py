"""The runtime's durable job table: every piece of background work that must survive a
crash (outbox deliveries, timers, next execution steps), claimed by workers with a lease.

Each row belongs to a **lane**, the runtime that claims it: ``OUTBOX`` rows are target
invocations (``store.deliveries`` is their typed view; ``runtime.delivery`` runs them),
``JOBS`` rows are timers and steps run by ``runtime.jobs``. Within its lane a row's
``kind`` picks its handler.

A claim moves a due row's ``due_at`` to the end of its lease and counts an attempt; the
claimed record (its ``attempts`` and ``due_at``) is the worker's proof of holding it.
``finish`` and ``reschedule`` take that record and change the row only if it is still
held by that claim: after a lease ran out and another worker claimed the row, or after
the job was replaced or cancelled, the late worker's write changes nothing and returns
False. A job with a ``key`` is unique within its kind: adding it again replaces it.

Adding a ``JOBS`` row wakes the job loops of the other nodes when the unit commits
(``WAKE_KEY`` through ``store.notifications``): a job due soon runs soon on whichever
node claims it. Outbox rows wake nobody: the node that writes them runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import orjson

from eventyard.core import jsondoc
from eventyard.store import notifications

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["INSERT", "JOBS", "OUTBOX", "ROW_COLUMNS", "WAKE_KEY", "Held", "JobRecord", "Jobs", "NewJob", "loads_payload"]

JOBS = "jobs"  # timers and execution steps (runtime.jobs)
OUTBOX = "outbox"  # deliveries of the transactional outbox (runtime.delivery)

# The wake-up key of the job loops (runtime.jobs watches it).
WAKE_KIND, WAKE_IDENT = "runtime", "jobs"
WAKE_KEY = notifications.wake_key(WAKE_KIND, WAKE_IDENT)

ROW_COLUMNS = "id, kind, job_key, payload, attempts, created_at, due_at, last_error"
INSERT = "INSERT INTO jobs (lane, kind, job_key, payload, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?)"
# A payload wraps what its writer stored (e.g. a delivery's own payload) a few levels deeper.
_NESTING_ROOM = jsondoc.MAX_NESTING + 8


@dataclass(frozen=True)
class NewJob:
    kind: str  # picks the handler
    payload: dict[str, Any]
    created_at: int  # epoch ms
    due_at: int
    key: str | None = None  # unique within the kind: a later add replaces the job
    lane: str = JOBS


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
        return cls(int(row[0]), row[1], row[2], loads_payload(row[3]), int(row[4]), int(row[5]), int(row[6]), row[7])


class Held(Protocol):
    """What fences a finish or a reschedule: the row and the claim that returned it."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...

    @property
    def due_at(self) -> int: ...


def _by_id(row: tuple[Any, ...]) -> int:
    return int(row[0])


def loads_payload(text: str) -> Any:
    """A stored payload: orjson, or for what it cannot read, the strict reader of user JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # integers past 64 bits, or deeper than orjson reads
        return jsondoc.loads(text, _NESTING_ROOM)


class Jobs:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add(self, job: NewJob) -> int:
        """Store ``job``; a keyed job replaces the one of its kind and key (attempts and
        error start afresh, and whoever held the old one can no longer finish it)."""
        sql = INSERT
        if job.key is not None:
            sql += (" ON CONFLICT (kind, job_key) WHERE job_key IS NOT NULL DO UPDATE SET payload = excluded.payload,"
                    " created_at = excluded.created_at, due_at = excluded.due_at, attempts = 0, last_error = NULL")
        params = (job.lane, job.kind, job.key, jsondoc.dumps(job.payload), job.created_at, job.due_at)
        job_id = int(self._s.scalar(sql + " RETURNING id", params))
        self._woken(job.lane)
        return job_id

    def add_all(self, jobs: Sequence[NewJob]) -> None:
        """Store unkeyed jobs in one batch (``store.deliveries`` writes the outbox's rows
        straight from its own records, with ``INSERT``)."""
        if not jobs:
            return
        if any(j.key is not None for j in jobs):
            raise ValueError("add_all takes unkeyed jobs only: add a keyed job with add")
        self._s.executemany(INSERT, [(j.lane, j.kind, None, jsondoc.dumps(j.payload), j.created_at, j.due_at)
                                      for j in jobs])
        for lane in {j.lane for j in jobs}:
            self._woken(lane)

    def claim(self, kinds: Sequence[str] | None, *, now: int, lease_until: int, limit: int,
              lane: str = JOBS) -> list[JobRecord]:
        """Take up to ``limit`` due jobs of ``lane`` (of ``kinds`` only, unless None),
        earliest due first: each counts one more attempt and is hidden until
        ``lease_until``, when it comes due again unless finished or rescheduled first.
        Returned in id order. On PostgreSQL, rows another worker is claiming are skipped,
        not waited for."""
        rows = self.claim_rows(kinds, now=now, lease_until=lease_until, limit=limit, lane=lane)
        return [JobRecord.from_row(r) for r in rows]

    def claim_rows(self, kinds: Sequence[str] | None, *, now: int, lease_until: int, limit: int,
                   lane: str = JOBS) -> list[tuple[Any, ...]]:
        """``claim``'s rows as stored (``ROW_COLUMNS``), for a typed view of a lane."""
        if kinds is not None and not kinds:
            return []
        where, params = self._lane_and_kinds(lane, kinds)
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        rows = self._s.all(
            "UPDATE jobs SET due_at = ?, attempts = attempts + 1 WHERE id IN"
            f" (SELECT id FROM jobs WHERE {where} AND due_at <= ? ORDER BY due_at LIMIT ?{skip})"
            f" RETURNING {ROW_COLUMNS}",
            (lease_until, *params, now, limit),
        )
        rows.sort(key=_by_id)
        return rows

    def finish(self, held: Held) -> bool:
        """Drop a job this claim still holds; False (nothing changed) otherwise."""
        cur = self._s.execute("DELETE FROM jobs WHERE id = ? AND attempts = ? AND due_at = ?",
                              (held.id, held.attempts, held.due_at))
        return bool(cur.rowcount == 1)

    def finish_all(self, held: Sequence[Held]) -> None:
        """Drop the jobs these claims still hold, in one batch (those held by another
        claim meanwhile stay)."""
        if held:
            self._s.executemany("DELETE FROM jobs WHERE id = ? AND attempts = ? AND due_at = ?",
                                [(h.id, h.attempts, h.due_at) for h in held])

    def reschedule(self, held: Held, *, due_at: int, error: str | None = None,
                   payload: dict[str, Any] | None = None) -> bool:
        """Make a job this claim still holds due again at ``due_at`` (with a new payload if
        given); False (nothing changed) if it is no longer held by this claim."""
        if payload is None:
            cur = self._s.execute("UPDATE jobs SET due_at = ?, last_error = ? WHERE id = ? AND attempts = ? AND due_at = ?",
                                  (due_at, error, held.id, held.attempts, held.due_at))
        else:
            cur = self._s.execute(
                "UPDATE jobs SET due_at = ?, last_error = ?, payload = ? WHERE id = ? AND attempts = ? AND due_at = ?",
                (due_at, error, jsondoc.dumps(payload), held.id, held.attempts, held.due_at))
        return bool(cur.rowcount == 1)

    def get(self, kind: str, key: str) -> JobRecord | None:
        row = self._s.one(f"SELECT {ROW_COLUMNS} FROM jobs WHERE kind = ? AND job_key = ?", (kind, key))
        return None if row is None else JobRecord.from_row(row)

    def cancel(self, kind: str, key: str) -> bool:
        """Drop the job of ``kind`` and ``key`` (e.g. a heartbeat arrived); False if none."""
        cur = self._s.execute("DELETE FROM jobs WHERE kind = ? AND job_key = ?", (kind, key))
        return bool(cur.rowcount == 1)

    def next_due(self, kinds: Sequence[str] | None, *, lane: str = JOBS) -> int | None:
        """When the earliest job of ``lane`` (and ``kinds``, unless None) is due, leased
        ones included (at the end of their lease)."""
        if kinds is not None and not kinds:
            return None
        where, params = self._lane_and_kinds(lane, kinds)
        value = self._s.scalar(f"SELECT MIN(due_at) FROM jobs WHERE {where}", params)
        return None if value is None else int(value)

    def pending(self, kind: str | None = None, *, lane: str = JOBS, kind_prefix: str | None = None) -> int:
        """Rows of ``lane`` not finished yet (claimed ones included): all of them, those of
        ``kind``, or those whose kind starts with ``kind_prefix``."""
        if kind is not None:
            return int(self._s.scalar("SELECT COUNT(*) FROM jobs WHERE lane = ? AND kind = ?", (lane, kind)))
        if kind_prefix is not None:
            return int(self._s.scalar("SELECT COUNT(*) FROM jobs WHERE lane = ? AND substr(kind, 1, length(?)) = ?",
                                      (lane, kind_prefix, kind_prefix)))
        return int(self._s.scalar("SELECT COUNT(*) FROM jobs WHERE lane = ?", (lane,)))

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _lane_and_kinds(lane: str, kinds: Sequence[str] | None) -> tuple[str, tuple[Any, ...]]:
        if kinds is None:
            return "lane = ?", (lane,)
        marks = ", ".join("?" for _ in kinds)
        return f"lane = ? AND kind IN ({marks})", (lane, *kinds)

    def _woken(self, lane: str) -> None:
        if lane == JOBS:
            notifications.wake(self._s, WAKE_KIND, WAKE_IDENT)
