"""EventBridge replays: what to replay, and how far it got."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, name, arn, archive_arn, description, destination, event_start, event_end,"
    " state, state_reason, replay_start, replay_end, last_replayed, replay_cursor"
)

ACTIVE_STATES = ("STARTING", "RUNNING", "CANCELLING")


@dataclass(frozen=True)
class ReplayRecord:
    account_id: str
    region: str
    name: str
    arn: str
    archive_arn: str
    description: str | None
    destination: dict[str, Any]  # {"Arn": bus ARN, "FilterArns": [rule ARNs]}
    event_start: int  # epoch ms
    event_end: int
    state: str
    state_reason: str | None
    replay_start: int  # epoch ms
    replay_end: int | None
    last_replayed: int | None  # epoch ms: the time of the last event replayed
    cursor: int  # id of the last archived event replayed

    @property
    def position(self) -> tuple[int, int]:
        """Where the replay is in its archive's (event time, id) order."""
        return (-1 if self.last_replayed is None else self.last_replayed, self.cursor)

    @classmethod
    def from_row(cls, row: Any) -> "ReplayRecord":
        values = list(row)
        values[6] = orjson.loads(values[6])
        return cls(*values)


class EventReplays:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def insert(self, r: ReplayRecord) -> None:
        self._s.execute(
            f"INSERT INTO event_replays ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.account_id, r.region, r.name, r.arn, r.archive_arn, r.description,
             orjson.dumps(r.destination).decode(), r.event_start, r.event_end, r.state, r.state_reason,
             r.replay_start, r.replay_end, r.last_replayed, r.cursor),
        )

    def get(self, account_id: str, region: str, name: str) -> ReplayRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_replays WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return ReplayRecord.from_row(row) if row else None

    def list(self, account_id: str, region: str, *, prefix: str | None, archive_arn: str | None,
             state: str | None, after: str | None, limit: int) -> list[ReplayRecord]:
        sql = f"SELECT {_COLUMNS} FROM event_replays WHERE account_id = ? AND region = ?"
        params: list[object] = [account_id, region]
        if archive_arn is not None:
            sql += " AND archive_arn = ?"
            params.append(archive_arn)
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        sql, params = key_page(sql, params, prefix=prefix, after=after, limit=limit)
        return [ReplayRecord.from_row(row) for row in self._s.all(sql, params)]

    def active(self, limit: int) -> builtins.list[ReplayRecord]:
        """Replays with work left, oldest first; on PostgreSQL locked so that another
        node's replayer passes them by."""
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        rows = self._s.all(
            f"SELECT {_COLUMNS} FROM event_replays WHERE state IN (?, ?, ?) ORDER BY replay_start LIMIT ?{skip}",
            (*ACTIVE_STATES, limit),
        )
        return [ReplayRecord.from_row(row) for row in rows]

    def advance(self, arn: str, *, cursor: int, last_replayed: int | None, state: str) -> None:
        self._s.execute(
            "UPDATE event_replays SET replay_cursor = ?, last_replayed = ?, state = ? WHERE arn = ?",
            (cursor, last_replayed, state, arn),
        )

    def set_state(self, arn: str, state: str, *, reason: str | None = None, ended_at: int | None = None) -> None:
        self._s.execute(
            "UPDATE event_replays SET state = ?, state_reason = ?, replay_end = ? WHERE arn = ?",
            (state, reason, ended_at, arn),
        )
