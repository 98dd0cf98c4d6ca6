"""EventBridge archives and the events they keep."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from eventyard.core import jsondoc
from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, name, arn, source_arn, description, event_pattern, retention_days,"
    " kms_key_identifier, state, state_reason, created_at"
)


@dataclass(frozen=True)
class ArchiveRecord:
    account_id: str
    region: str
    name: str
    arn: str
    source_arn: str  # the event bus whose events it keeps
    description: str | None
    event_pattern: str | None
    retention_days: int  # 0: forever
    kms_key_identifier: str | None
    state: str
    state_reason: str | None
    created_at: int  # epoch ms


@dataclass(frozen=True)
class ArchivedEvent:
    id: int
    archived_at: int  # epoch ms
    event_time: int  # epoch ms: the event's own time
    event: dict[str, Any]


class EventArchives:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- archives ----------------------------------------------------------------
    def insert(self, a: ArchiveRecord) -> None:
        self._s.execute(
            f"INSERT INTO event_archives ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a.account_id, a.region, a.name, a.arn, a.source_arn, a.description, a.event_pattern,
             a.retention_days, a.kms_key_identifier, a.state, a.state_reason, a.created_at),
        )

    def get(self, account_id: str, region: str, name: str) -> ArchiveRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_archives WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return ArchiveRecord(*row) if row else None

    def update(self, arn: str, *, description: str | None, event_pattern: str | None, retention_days: int,
               kms_key_identifier: str | None) -> None:
        self._s.execute(
            "UPDATE event_archives SET description = ?, event_pattern = ?, retention_days = ?,"
            " kms_key_identifier = ? WHERE arn = ?",
            (description, event_pattern, retention_days, kms_key_identifier, arn),
        )

    def list(self, account_id: str, region: str, *, prefix: str | None, source_arn: str | None,
             state: str | None, after: str | None, limit: int) -> list[ArchiveRecord]:
        sql = f"SELECT {_COLUMNS} FROM event_archives WHERE account_id = ? AND region = ?"
        params: list[object] = [account_id, region]
        if source_arn is not None:
            sql += " AND source_arn = ?"
            params.append(source_arn)
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        sql, params = key_page(sql, params, prefix=prefix, after=after, limit=limit)
        return [ArchiveRecord(*row) for row in self._s.all(sql, params)]

    def delete(self, arn: str) -> None:
        self._s.execute("DELETE FROM archived_events WHERE archive_arn = ?", (arn,))
        self._s.execute("DELETE FROM event_archives WHERE arn = ?", (arn,))

    def with_retention(self) -> builtins.list[tuple[str, int]]:
        """(ARN, retention days) of every archive that does not keep events forever."""
        rows = self._s.all("SELECT arn, retention_days FROM event_archives WHERE retention_days > 0")
        return [(r[0], int(r[1])) for r in rows]

    # -- archived events ---------------------------------------------------------
    def add_events(self, rows: Sequence[tuple[str, int, int, dict[str, Any]]],
                   sizes: Sequence[int] | None = None) -> None:
        """Keep events: (archive ARN, archived at ms, the event's time ms, event), each
        counting ``sizes[i]`` bytes toward the archive's size (default: its JSON's length)."""
        encoded = [(arn, at, event_time, jsondoc.dumps(event).encode()) for arn, at, event_time, event in rows]
        self._s.executemany(
            "INSERT INTO archived_events (archive_arn, archived_at, event_time, size_bytes, event)"
            " VALUES (?, ?, ?, ?, ?)",
            [(arn, at, event_time, len(data) if sizes is None else sizes[i], data.decode())
             for i, (arn, at, event_time, data) in enumerate(encoded)],
        )

    def stats(self, arns: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Event count and size in bytes per archive ARN."""
        if not arns:
            return {}
        marks = ", ".join("?" for _ in arns)
        rows = self._s.all(
            "SELECT archive_arn, COUNT(*), COALESCE(SUM(size_bytes), 0) FROM archived_events"
            f" WHERE archive_arn IN ({marks}) GROUP BY archive_arn", list(arns),
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def events_after(self, arn: str, after: tuple[int, int], *, start: int, end: int,
                     limit: int) -> builtins.list[ArchivedEvent]:
        """Events whose time is in [start, end) ms, in (event time, id) order, after the
        position ``after`` = (event time, id)."""
        rows = self._s.all(
            "SELECT id, archived_at, event_time, event FROM archived_events WHERE archive_arn = ?"
            " AND event_time >= ? AND event_time < ? AND (event_time > ? OR (event_time = ? AND id > ?))"
            " ORDER BY event_time, id LIMIT ?",
            (arn, start, end, after[0], after[0], after[1], limit),
        )
        return [ArchivedEvent(int(r[0]), int(r[1]), int(r[2]), orjson.loads(r[3])) for r in rows]

    def browse(self, arn: str, *, containing: str | None, before_id: int | None,
               limit: int) -> builtins.list[ArchivedEvent]:
        """The newest events kept (by id, newest first), before the id ``before_id``; with
        ``containing``, only those whose JSON holds that text (case-sensitive)."""
        sql = "SELECT id, archived_at, event_time, event FROM archived_events WHERE archive_arn = ?"
        params: list[object] = [arn]
        if before_id is not None:
            sql += " AND id < ?"
            params.append(before_id)
        if containing:
            sql += " AND instr(event, ?) > 0" if self._s.dialect == "sqlite" else " AND strpos(event, ?) > 0"
            params.append(containing)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [ArchivedEvent(int(r[0]), int(r[1]), int(r[2]), orjson.loads(r[3])) for r in self._s.all(sql, params)]

    def expire(self, arn: str, before: int, limit: int) -> int:
        """Drop up to ``limit`` events archived before ``before`` ms; how many."""
        cur = self._s.execute(
            "DELETE FROM archived_events WHERE id IN (SELECT id FROM archived_events"
            " WHERE archive_arn = ? AND archived_at < ? ORDER BY archived_at LIMIT ?)",
            (arn, before, limit),
        )
        return max(0, int(cur.rowcount))
