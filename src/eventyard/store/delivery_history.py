"""The console's fan-out history (``--event-history N``): each message a topic accepted
with its outcome per subscription, and every outbox attempt of a delivery.

Topic rows are written in the publish's own unit of work; attempt rows in the
transaction that writes the attempt's outcome back to the outbox. Both are trimmed in
the background (``trim_topic``, ``trim_attempts``), off the data path.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

if TYPE_CHECKING:
    from eventyard.store.session import Session

_TOPIC_COLUMNS = "id, topic_arn, published_at, message_id, message, outcomes"
_ATTEMPT_COLUMNS = "id, message_id, target, attempt, at, outcome, error, next_at, dead_letter_arn"


@dataclass(frozen=True)
class PublishedMessage:
    id: int
    topic_arn: str
    published_at: int  # epoch ms
    message_id: str
    message: dict[str, Any]  # message, subject, attributes (as published)
    outcomes: dict[str, str]  # subscription ARN -> delivered | queued | filtered

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "PublishedMessage":
        return cls(int(row[0]), row[1], int(row[2]), row[3], orjson.loads(row[4]), orjson.loads(row[5]))


@dataclass(frozen=True)
class NewAttempt:
    message_id: str
    target: str  # "<rule ARN> <target id>" or a subscription ARN
    attempt: int
    at: int
    outcome: str  # delivered | retrying | failed | dead-lettered
    error: str | None = None
    next_at: int | None = None
    dead_letter_arn: str | None = None


@dataclass(frozen=True)
class Attempt(NewAttempt):
    id: int = 0

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "Attempt":
        return cls(row[1], row[2], int(row[3]), int(row[4]), row[5], row[6],
                   None if row[7] is None else int(row[7]), row[8], int(row[0]))


class DeliveryHistory:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def add_published(self, rows: Sequence[tuple[str, int, str, dict[str, Any], dict[str, str]]]) -> None:
        """Keep published messages: (topic ARN, at ms, message id, message, outcomes)."""
        self._s.executemany(
            "INSERT INTO topic_history (topic_arn, published_at, message_id, message, outcomes) VALUES (?, ?, ?, ?, ?)",
            [(topic, at, message_id, orjson.dumps(message).decode(), orjson.dumps(outcomes).decode())
             for topic, at, message_id, message, outcomes in rows])

    def published(self, topic_arn: str, *, before_id: int | None = None,
                  limit: int = 50) -> builtins.list[PublishedMessage]:
        """A topic's kept messages, newest first (a keyset page before ``before_id``)."""
        sql = f"SELECT {_TOPIC_COLUMNS} FROM topic_history WHERE topic_arn = ?"
        params: list[object] = [topic_arn]
        if before_id is not None:
            sql += " AND id < ?"
            params.append(before_id)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [PublishedMessage.from_row(row) for row in self._s.all(sql, params)]

    def message(self, topic_arn: str, message_id: str) -> PublishedMessage | None:
        row = self._s.one(f"SELECT {_TOPIC_COLUMNS} FROM topic_history WHERE message_id = ? AND topic_arn = ?"
                          " ORDER BY id DESC LIMIT 1", (message_id, topic_arn))
        return None if row is None else PublishedMessage.from_row(row)

    def add_attempts(self, attempts: Sequence[NewAttempt]) -> None:
        if attempts:
            self._s.executemany(
                "INSERT INTO delivery_attempts (message_id, target, attempt, at, outcome, error, next_at,"
                " dead_letter_arn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(a.message_id, a.target, a.attempt, a.at, a.outcome, a.error, a.next_at, a.dead_letter_arn)
                 for a in attempts])

    def attempts(self, message_id: str, limit: int = 200) -> builtins.list[Attempt]:
        """Every kept attempt for one event or message, oldest first."""
        rows = self._s.all(f"SELECT {_ATTEMPT_COLUMNS} FROM delivery_attempts WHERE message_id = ?"
                           " ORDER BY id LIMIT ?", (message_id, limit))
        return [Attempt.from_row(row) for row in rows]

    def trim_topic(self, topic_arn: str, keep: int) -> int:
        """Drop all but the newest ``keep`` messages of a topic; how many were dropped."""
        cut = self._s.scalar("SELECT id FROM topic_history WHERE topic_arn = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                             (topic_arn, keep))
        if cut is None:
            return 0
        return int(self._s.execute("DELETE FROM topic_history WHERE topic_arn = ? AND id <= ?",
                                   (topic_arn, int(cut))).rowcount)

    def trim_attempts(self, keep: int) -> int:
        """Drop all but the newest ``keep`` attempts (of every target)."""
        newest = self._s.scalar("SELECT MAX(id) FROM delivery_attempts")
        if newest is None:
            return 0
        return int(self._s.execute("DELETE FROM delivery_attempts WHERE id <= ?", (int(newest) - keep,)).rowcount)
