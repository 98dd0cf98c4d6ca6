"""Recent events per event bus (the console's live tail), bounded per bus.

Rows are added in the unit of work that accepts the events, so the history never shows
an event that was not committed; ``trim`` keeps the newest ``keep`` rows of a bus and is
run in the background, off the data path. Reads walk ``(bus_arn, id)``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from eventyard.core import jsondoc

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = "id, bus_arn, accepted_at, event_id, matched, event"


@dataclass(frozen=True)
class KeptEvent:
    id: int
    bus_arn: str
    accepted_at: int  # epoch ms
    event_id: str
    matched: list[str]  # names of the rules it matched when accepted
    event: dict[str, Any]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "KeptEvent":
        return cls(int(row[0]), row[1], int(row[2]), row[3], orjson.loads(row[4]), jsondoc.loads(row[5]))


class EventHistory:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add(self, rows: Sequence[tuple[str, int, dict[str, Any], Sequence[str]]]) -> None:
        """Keep events: (bus ARN, accepted at ms, event, names of the rules it matched)."""
        self._s.executemany(
            "INSERT INTO event_history (bus_arn, accepted_at, event_id, matched, event) VALUES (?, ?, ?, ?, ?)",
            [(bus, at, str(event.get("id", "")), orjson.dumps(list(matched)).decode(), jsondoc.dumps(event))
             for bus, at, event, matched in rows],
        )

    def recent(self, bus_arn: str, *, after_id: int = 0, before_id: int | None = None,
               limit: int = 50) -> builtins.list[KeptEvent]:
        """The newest events of a bus past ``after_id`` (and before ``before_id``), newest first."""
        sql = f"SELECT {_COLUMNS} FROM event_history WHERE bus_arn = ? AND id > ?"
        params: list[object] = [bus_arn, after_id]
        if before_id is not None:
            sql += " AND id < ?"
            params.append(before_id)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [KeptEvent.from_row(row) for row in self._s.all(sql, params)]

    def get(self, bus_arn: str, row_id: int) -> KeptEvent | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM event_history WHERE bus_arn = ? AND id = ?", (bus_arn, row_id))
        return None if row is None else KeptEvent.from_row(row)

    def find(self, event_id: str, bus_arn_prefix: str, limit: int = 10) -> builtins.list[KeptEvent]:
        """Kept events with this id on buses whose ARN starts with ``bus_arn_prefix``."""
        rows = self._s.all(f"SELECT {_COLUMNS} FROM event_history WHERE event_id = ? ORDER BY id DESC LIMIT ?",
                           (event_id, limit))
        return [found for found in map(KeptEvent.from_row, rows) if found.bus_arn.startswith(bus_arn_prefix)]

    def trim(self, bus_arn: str, keep: int) -> int:
        """Drop all but the newest ``keep`` events of a bus; how many were dropped."""
        cut = self._s.scalar(
            "SELECT id FROM event_history WHERE bus_arn = ? ORDER BY id DESC LIMIT 1 OFFSET ?", (bus_arn, keep))
        if cut is None:
            return 0
        return int(self._s.execute("DELETE FROM event_history WHERE bus_arn = ? AND id <= ?",
                                   (bus_arn, int(cut))).rowcount)
