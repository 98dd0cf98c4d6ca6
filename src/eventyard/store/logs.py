"""CloudWatch Logs: log groups (per account and region), their streams, and the events
in them, read back in (timestamp, arrival) order."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["LogGroupRecord", "LogStreamRecord", "StoredLogEvent", "LogsRepository"]

_GROUP_COLUMNS = ("id, account_id, region, name, created_ms, retention_days, kms_key_id, log_group_class,"
                  " deletion_protection, stored_bytes")
_STREAM_COLUMNS = "id, group_id, name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms"
_EVENT_COLUMNS = "id, stream_id, timestamp_ms, ingestion_ms, message"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class LogGroupRecord:
    id: int
    account_id: str
    region: str
    name: str
    created_ms: int
    retention_days: int | None
    kms_key_id: str | None
    log_group_class: str
    deletion_protection: bool
    stored_bytes: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "LogGroupRecord":
        return cls(int(row[0]), row[1], row[2], row[3], int(row[4]), _int(row[5]), row[6], row[7], bool(row[8]),
                   int(row[9]))


@dataclass(frozen=True)
class LogStreamRecord:
    id: int
    group_id: int
    name: str
    created_ms: int
    first_event_ms: int | None
    last_event_ms: int | None
    last_ingestion_ms: int | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "LogStreamRecord":
        return cls(int(row[0]), int(row[1]), row[2], int(row[3]), _int(row[4]), _int(row[5]), _int(row[6]))


@dataclass(frozen=True)
class StoredLogEvent:
    id: int
    stream_id: int
    timestamp_ms: int
    ingestion_ms: int
    message: str

    @property
    def key(self) -> tuple[int, int]:
        """Its place in reading order."""
        return (self.timestamp_ms, self.id)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredLogEvent":
        return cls(int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4])


def _after(key: tuple[int, int] | None, sql: str, params: list[Any], *, before: bool = False) -> str:
    """``sql`` narrowed to events after (or before) ``key`` in reading order."""
    if key is None:
        return sql
    op = "<" if before else ">"
    params += [key[0], key[0], key[1]]
    return sql + f" AND (timestamp_ms {op} ? OR (timestamp_ms = ? AND id {op} ?))"


class LogsRepository:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- groups ------------------------------------------------------------------------
    def insert_group(self, account_id: str, region: str, name: str, created_ms: int, *, kms_key_id: str | None,
                     log_group_class: str, deletion_protection: bool) -> LogGroupRecord:
        """Add a group; ``ConflictError`` when the name is taken."""
        row = self._s.one(
            "INSERT INTO log_groups (account_id, region, name, created_ms, kms_key_id, log_group_class,"
            f" deletion_protection) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_GROUP_COLUMNS}",
            (account_id, region, name, created_ms, kms_key_id, log_group_class, int(deletion_protection)))
        assert row is not None
        return LogGroupRecord.from_row(row)

    def ensure_group(self, account_id: str, region: str, name: str, created_ms: int, log_group_class: str
                     ) -> LogGroupRecord:
        """The group, created if missing (two writers racing get the same one)."""
        self._s.execute("INSERT INTO log_groups (account_id, region, name, created_ms, log_group_class)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, region, name) DO NOTHING",
                        (account_id, region, name, created_ms, log_group_class))
        found = self.group(account_id, region, name)
        assert found is not None
        return found

    def group(self, account_id: str, region: str, name: str) -> LogGroupRecord | None:
        row = self._s.one(f"SELECT {_GROUP_COLUMNS} FROM log_groups WHERE account_id = ? AND region = ? AND name = ?",
                          (account_id, region, name))
        return None if row is None else LogGroupRecord.from_row(row)

    def groups(self, account_id: str, region: str, *, prefix: str | None = None, after: str | None = None,
               limit: int | None = None) -> builtins.list[LogGroupRecord]:
        """The account's groups in the region, by name."""
        sql = f"SELECT {_GROUP_COLUMNS} FROM log_groups WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        if prefix:
            sql += " AND name >= ? AND name < ?"
            params += [prefix, prefix + "\U0010ffff"]
        if after is not None:
            sql += " AND name > ?"
            params.append(after)
        sql += " ORDER BY name"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [LogGroupRecord.from_row(r) for r in self._s.all(sql, params)]

    def groups_with_retention(self) -> builtins.list[LogGroupRecord]:
        rows = self._s.all(f"SELECT {_GROUP_COLUMNS} FROM log_groups WHERE retention_days IS NOT NULL ORDER BY id")
        return [LogGroupRecord.from_row(r) for r in rows]

    def set_retention(self, group_id: int, days: int | None) -> None:
        self._s.execute("UPDATE log_groups SET retention_days = ? WHERE id = ?", (days, group_id))

    def set_deletion_protection(self, group_id: int, enabled: bool) -> None:
        self._s.execute("UPDATE log_groups SET deletion_protection = ? WHERE id = ?", (int(enabled), group_id))

    def delete_group(self, group_id: int) -> None:
        """The group with its streams and events (its tags are the caller's)."""
        self._s.execute("DELETE FROM log_events WHERE group_id = ?", (group_id,))
        self._s.execute("DELETE FROM log_streams WHERE group_id = ?", (group_id,))
        self._s.execute("DELETE FROM log_groups WHERE id = ?", (group_id,))

    # -- streams -----------------------------------------------------------------------
    def insert_stream(self, group_id: int, name: str, created_ms: int) -> LogStreamRecord:
        """Add a stream; ``ConflictError`` when the group has one of that name."""
        row = self._s.one(f"INSERT INTO log_streams (group_id, name, created_ms) VALUES (?, ?, ?)"
                          f" RETURNING {_STREAM_COLUMNS}", (group_id, name, created_ms))
        assert row is not None
        return LogStreamRecord.from_row(row)

    def ensure_stream(self, group_id: int, name: str, created_ms: int) -> LogStreamRecord:
        """The stream, created if missing (two writers racing get the same one)."""
        self._s.execute("INSERT INTO log_streams (group_id, name, created_ms) VALUES (?, ?, ?)"
                        " ON CONFLICT (group_id, name) DO NOTHING", (group_id, name, created_ms))
        found = self.stream(group_id, name)
        assert found is not None
        return found

    def stream(self, group_id: int, name: str) -> LogStreamRecord | None:
        row = self._s.one(f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND name = ?",
                          (group_id, name))
        return None if row is None else LogStreamRecord.from_row(row)

    def streams(self, group_id: int, *, prefix: str | None = None) -> builtins.list[LogStreamRecord]:
        """The group's streams (with ``prefix``), by name."""
        sql = f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ?"
        params: list[Any] = [group_id]
        if prefix:
            sql += " AND name >= ? AND name < ?"
            params += [prefix, prefix + "\U0010ffff"]
        return [LogStreamRecord.from_row(r) for r in self._s.all(sql + " ORDER BY name", params)]

    def delete_stream(self, stream_id: int) -> None:
        self._s.execute("DELETE FROM log_events WHERE stream_id = ?", (stream_id,))
        self._s.execute("DELETE FROM log_streams WHERE id = ?", (stream_id,))

    # -- events ------------------------------------------------------------------------
    def append(self, group: LogGroupRecord, stream: LogStreamRecord, events: Sequence[tuple[int, str]],
               ingestion_ms: int, stored_bytes: int) -> None:
        """Add ``(timestamp, message)`` events to the stream, and bring the stream's times
        and the group's size up to date."""
        if not events:
            return
        if self._s.dialect == "postgres":  # its text cannot hold U+0000: kept as U+FFFD
            events = [(ts, m.replace("\x00", "\ufffd")) if "\x00" in m else (ts, m) for ts, m in events]
        self._s.executemany(
            "INSERT INTO log_events (group_id, stream_id, timestamp_ms, ingestion_ms, message) VALUES (?, ?, ?, ?, ?)",
            [(group.id, stream.id, ts, ingestion_ms, message) for ts, message in events])
        first = min(ts for ts, _ in events)
        last = max(ts for ts, _ in events)
        self._s.execute(
            "UPDATE log_streams SET first_event_ms = CASE WHEN first_event_ms IS NULL OR first_event_ms > ? THEN ?"
            " ELSE first_event_ms END, last_event_ms = CASE WHEN last_event_ms IS NULL OR last_event_ms < ? THEN ?"
            " ELSE last_event_ms END, last_ingestion_ms = ? WHERE id = ?",
            (first, first, last, last, ingestion_ms, stream.id))
        self._s.execute("UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?", (stored_bytes, group.id))

    def stream_events(self, stream_id: int, *, start_ms: int | None, end_ms: int | None,
                      after: tuple[int, int] | None = None, before: tuple[int, int] | None = None,
                      limit: int, newest_first: bool = False) -> builtins.list[StoredLogEvent]:
        """Events of one stream in ``[start_ms, end_ms)``, after/before a key, oldest first
        (``newest_first``: the newest ``limit`` of them, still returned newest first)."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM log_events WHERE stream_id = ?"
        params: list[Any] = [stream_id]
        sql = self._window(sql, params, start_ms, end_ms)
        sql = _after(after, sql, params)
        sql = _after(before, sql, params, before=True)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY timestamp_ms {order}, id {order} LIMIT ?"
        params.append(limit)
        return [StoredLogEvent.from_row(r) for r in self._s.all(sql, params)]

    def group_events(self, group_id: int, *, stream_ids: Sequence[int] | None, start_ms: int | None,
                     end_ms: int | None, after: tuple[int, int] | None, limit: int) -> builtins.list[StoredLogEvent]:
        """Events of the group (of ``stream_ids`` only, if given) in ``[start_ms, end_ms)``
        after ``after``, oldest first, interleaved across streams."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM log_events WHERE group_id = ?"
        params: list[Any] = [group_id]
        if stream_ids is not None:
            if not stream_ids:
                return []
            sql += f" AND stream_id IN ({', '.join('?' * len(stream_ids))})"
            params += list(stream_ids)
        sql = self._window(sql, params, start_ms, end_ms)
        sql = _after(after, sql, params)
        sql += " ORDER BY timestamp_ms, id LIMIT ?"
        params.append(limit)
        return [StoredLogEvent.from_row(r) for r in self._s.all(sql, params)]

    @staticmethod
    def _window(sql: str, params: list[Any], start_ms: int | None, end_ms: int | None) -> str:
        if start_ms is not None:
            sql += " AND timestamp_ms >= ?"
            params.append(start_ms)
        if end_ms is not None:
            sql += " AND timestamp_ms < ?"
            params.append(end_ms)
        return sql

    def expire(self, group_id: int, before_ms: int) -> int:
        """Delete the group's events older than ``before_ms`` (retention); how many went."""
        cur = self._s.execute("DELETE FROM log_events WHERE group_id = ? AND timestamp_ms < ?", (group_id, before_ms))
        return int(cur.rowcount or 0)
