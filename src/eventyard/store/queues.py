"""SQS queues: their settings, deletions and purges, and message move tasks.

A queue has a numeric id that no other queue ever gets again, so that its messages
can be swept in the background after a purge or DeleteQueue (``sqs_cleanups``)
instead of in one long transaction whose cost grows with the queue's depth.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "id, account_id, region, name, arn, fifo, attributes, dead_letter_target_arn,"
    " created_at, modified_at, purged_at, purged_upto"
)
_DROPPED_UPTO = 2**62  # a deleted queue loses every message


@dataclass(frozen=True)
class QueueRecord:
    id: int
    account_id: str
    region: str
    name: str
    arn: str
    fifo: bool
    attributes: dict[str, str]  # the settable attributes, as AWS spells their values
    dead_letter_target_arn: str | None
    created_at: int  # epoch ms
    modified_at: int
    purged_at: int | None
    purged_upto: int  # messages with an id up to this one were purged

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "QueueRecord":
        return cls(
            int(row[0]), row[1], row[2], row[3], row[4], bool(row[5]), orjson.loads(row[6]), row[7],
            int(row[8]), int(row[9]), None if row[10] is None else int(row[10]), int(row[11]),
        )


@dataclass(frozen=True)
class QueueDepth:
    arn: str
    dead_letter: bool  # some queue's RedrivePolicy names this one
    visible: int
    in_flight: int
    delayed: int
    oldest_sent_at: int | None = None  # epoch ms (read by ``depths_of`` only)


@dataclass(frozen=True)
class Cleanup:
    id: int
    queue_id: int
    upto: int
    dropped: bool  # the queue is gone: its FIFO state goes too


_TASK_COLUMNS = (
    "task_handle, source_queue_id, source_arn, destination_arn, max_per_second, status,"
    " started_at, upto, moved, to_move, failure_reason"
)


@dataclass(frozen=True)
class MoveTaskRecord:
    task_handle: str
    source_queue_id: int
    source_arn: str
    destination_arn: str | None
    max_per_second: int | None
    status: str  # RUNNING | COMPLETED | CANCELLING | CANCELLED | FAILED
    started_at: int  # epoch ms
    upto: int  # only messages with ids up to this one move
    moved: int
    to_move: int
    failure_reason: str | None = None


class Queues:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- queues ------------------------------------------------------------------
    def create(
        self, *, account_id: str, region: str, name: str, arn: str, fifo: bool,
        attributes: dict[str, str], dead_letter_target_arn: str | None, now: int,
    ) -> QueueRecord:
        """Add a queue; ``ConflictError`` if the name (or ARN) is taken."""
        self._s.execute(
            "INSERT INTO sqs_queues (account_id, region, name, arn, fifo, attributes,"
            " dead_letter_target_arn, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (account_id, region, name, arn, int(fifo), _dumps(attributes), dead_letter_target_arn, now, now),
        )
        record = self.get(account_id, region, name)
        assert record is not None
        if fifo:
            self._s.execute("INSERT INTO sqs_sequences (queue_id, next_seq) VALUES (?, 0)", (record.id,))
        return record

    def get(self, account_id: str, region: str, name: str) -> QueueRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM sqs_queues WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return QueueRecord.from_row(row) if row else None

    def get_by_id(self, queue_id: int, *, for_update: bool = False) -> QueueRecord | None:
        """``for_update``: the row stays locked until the transaction ends (PostgreSQL), so a
        read-modify-write of its attributes cannot lose a concurrent one's change; SQLite's
        one writer already serializes them."""
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT {_COLUMNS} FROM sqs_queues WHERE id = ?{lock}", (queue_id,))
        return QueueRecord.from_row(row) if row else None

    def get_by_arn(self, arn: str) -> QueueRecord | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM sqs_queues WHERE arn = ?", (arn,))
        return QueueRecord.from_row(row) if row else None

    def list(
        self, account_id: str, region: str, *, prefix: str | None, after: str | None, limit: int
    ) -> list[QueueRecord]:
        """Queues ordered by name, ``name > after``, starting with ``prefix``."""
        sql, params = key_page(
            f"SELECT {_COLUMNS} FROM sqs_queues WHERE account_id = ? AND region = ?",
            [account_id, region], prefix=prefix, after=after, limit=limit,
        )
        return [QueueRecord.from_row(row) for row in self._s.all(sql, params)]

    def dead_letter_sources(self, target_arn: str, *, after: str | None, limit: int) -> builtins.list[QueueRecord]:
        """Queues whose RedrivePolicy names ``target_arn``, ordered by name."""
        sql = f"SELECT {_COLUMNS} FROM sqs_queues WHERE dead_letter_target_arn = ?"
        params: list[object] = [target_arn]
        sql, params = key_page(sql, params, after=after, limit=limit)
        return [QueueRecord.from_row(row) for row in self._s.all(sql, params)]

    def is_dead_letter_target(self, target_arn: str) -> bool:
        return self._s.one("SELECT 1 FROM sqs_queues WHERE dead_letter_target_arn = ? LIMIT 1", (target_arn,)) is not None

    def set_attributes(
        self, queue_id: int, attributes: dict[str, str], dead_letter_target_arn: str | None, now: int
    ) -> None:
        self._s.execute(
            "UPDATE sqs_queues SET attributes = ?, dead_letter_target_arn = ?, modified_at = ? WHERE id = ?",
            (_dumps(attributes), dead_letter_target_arn, now, queue_id),
        )

    def delete(self, queue: QueueRecord, now: int) -> None:
        """Drop ``queue`` and remember its name; its messages are swept later."""
        self._s.execute("DELETE FROM sqs_queues WHERE id = ?", (queue.id,))
        self._s.execute("DELETE FROM sqs_sequences WHERE queue_id = ?", (queue.id,))
        self._s.execute(
            "INSERT INTO sqs_deleted_queues (account_id, region, name, deleted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account_id, region, name) DO UPDATE SET deleted_at = excluded.deleted_at",
            (queue.account_id, queue.region, queue.name, now),
        )
        self._s.execute(
            "INSERT INTO sqs_cleanups (queue_id, upto, dropped) VALUES (?, ?, 1)", (queue.id, _DROPPED_UPTO)
        )

    def deleted_since(self, account_id: str, region: str, name: str, since: int) -> bool:
        return self._s.one(
            "SELECT 1 FROM sqs_deleted_queues WHERE account_id = ? AND region = ? AND name = ? AND deleted_at > ?",
            (account_id, region, name, since),
        ) is not None

    def forget_deleted(self, before: int) -> int:
        cur = self._s.execute("DELETE FROM sqs_deleted_queues WHERE deleted_at <= ?", (before,))
        return int(cur.rowcount)

    def purge(self, queue_id: int, *, now: int, upto: int) -> None:
        """Hide every message with an id up to ``upto`` at once; sweep them later."""
        self._s.execute("UPDATE sqs_queues SET purged_at = ?, purged_upto = ? WHERE id = ?", (now, upto, queue_id))
        self._s.execute("INSERT INTO sqs_cleanups (queue_id, upto, dropped) VALUES (?, ?, 0)", (queue_id, upto))

    def cleanups(self, limit: int) -> builtins.list[Cleanup]:
        rows = self._s.all("SELECT id, queue_id, upto, dropped FROM sqs_cleanups ORDER BY id LIMIT ?", (limit,))
        return [Cleanup(int(r[0]), int(r[1]), int(r[2]), bool(r[3])) for r in rows]

    def finish_cleanup(self, cleanup_id: int) -> None:
        self._s.execute("DELETE FROM sqs_cleanups WHERE id = ?", (cleanup_id,))

    # -- message move tasks ------------------------------------------------------
    def add_move_task(self, task: MoveTaskRecord) -> None:
        self._s.execute(
            f"INSERT INTO sqs_move_tasks ({_TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (task.task_handle, task.source_queue_id, task.source_arn, task.destination_arn, task.max_per_second,
             task.status, task.started_at, task.upto, task.moved, task.to_move, task.failure_reason),
        )

    def move_task(self, task_handle: str) -> MoveTaskRecord | None:
        row = self._s.one(f"SELECT {_TASK_COLUMNS} FROM sqs_move_tasks WHERE task_handle = ?", (task_handle,))
        return _task(row) if row else None

    def move_tasks(self, source_arn: str, limit: int) -> builtins.list[MoveTaskRecord]:
        """The tasks of a source queue, newest first."""
        rows = self._s.all(
            f"SELECT {_TASK_COLUMNS} FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC, task_handle LIMIT ?",
            (source_arn, limit),
        )
        return [_task(row) for row in rows]

    def running_move_tasks(self, limit: int = 100) -> builtins.list[MoveTaskRecord]:
        rows = self._s.all(
            f"SELECT {_TASK_COLUMNS} FROM sqs_move_tasks WHERE status = 'RUNNING' ORDER BY started_at LIMIT ?",
            (limit,),
        )
        return [_task(row) for row in rows]

    def update_move_task(
        self, task_handle: str, *, status: str | None = None, moved_more: int = 0, failure_reason: str | None = None
    ) -> None:
        self._s.execute(
            "UPDATE sqs_move_tasks SET status = COALESCE(?, status), moved = moved + ?,"
            " failure_reason = COALESCE(?, failure_reason) WHERE task_handle = ?",
            (status, moved_more, failure_reason, task_handle),
        )

    def depths(self, now: int) -> builtins.list[QueueDepth]:
        """Every queue's visible, in-flight and delayed messages, in one scan (for
        ``/metrics``: its cost grows with the messages stored, so it runs per scrape)."""
        rows = self._s.all(
            "SELECT q.arn, CASE WHEN EXISTS (SELECT 1 FROM sqs_queues s WHERE s.dead_letter_target_arn = q.arn)"
            " THEN 1 ELSE 0 END,"
            " COALESCE(SUM(CASE WHEN m.visible_at <= ? THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN m.visible_at > ? AND m.receive_count > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN m.visible_at > ? AND m.receive_count = 0 THEN 1 ELSE 0 END), 0)"
            " FROM sqs_queues q LEFT JOIN sqs_messages m ON m.queue_id = q.id AND m.id > q.purged_upto"
            " GROUP BY q.id, q.arn ORDER BY q.arn",
            (now, now, now),
        )
        return [QueueDepth(str(arn), bool(dlq), int(visible), int(in_flight), int(delayed))
                for arn, dlq, visible, in_flight, delayed in rows]

    def depths_of(self, arns: Sequence[str], now: int, *, cap: int | None = None) -> builtins.list[QueueDepth]:
        """The depths of the named queues only (a page's worth: the console), each read
        through the ready index: visible messages are counted in the index, and only
        the not-visible ones are read to split in flight from delayed. ``oldest_sent_at``:
        the earliest ``sent_at`` of the head of the visible messages and of the
        not-visible ones (the age AWS calls approximate)."""
        if not arns:
            return []
        marks = ", ".join("?" for _ in arns)
        queues = self._s.all(
            "SELECT q.arn, q.id, q.purged_upto, CASE WHEN EXISTS (SELECT 1 FROM sqs_queues s"
            f" WHERE s.dead_letter_target_arn = q.arn) THEN 1 ELSE 0 END FROM sqs_queues q WHERE q.arn IN ({marks})"
            " ORDER BY q.arn", list(arns))
        # with a cap, each count stops there: a page of many queues stays cheap however deep they are
        limit = "" if cap is None else f" LIMIT {int(cap)}"
        live = "queue_id = ? AND id > ?"

        def count(where: str) -> str:
            return f"(SELECT COUNT(*) FROM (SELECT 1 FROM sqs_messages WHERE {live} AND {where}{limit}) c)"

        sql = (f"SELECT {count('visible_at <= ?')}, {count('visible_at > ? AND receive_count > 0')},"
               f" {count('visible_at > ? AND receive_count = 0')},"
               f" (SELECT MIN(sent_at) FROM sqs_messages WHERE {live} AND visible_at > ?),"
               f" (SELECT sent_at FROM sqs_messages WHERE {live} AND visible_at <= ? ORDER BY visible_at LIMIT 1)")
        found = []
        for arn, queue_id, upto, dlq in queues:
            row = self._s.one(sql, [int(queue_id), int(upto), now] * 5)
            assert row is not None
            visible, in_flight, delayed, hidden_oldest, head = row
            oldest = min([int(t) for t in (head, hidden_oldest) if t is not None], default=None)
            found.append(QueueDepth(str(arn), bool(dlq), int(visible), int(in_flight), int(delayed), oldest))
        return found

    def message_totals(self, account_id: str, region: str, now: int) -> tuple[int, int, int]:
        """(queues, visible, not visible) of an account's queues in a region, counted in
        the ready index alone, without reading a message's row: the console's home page."""
        row = self._s.one(
            "SELECT COUNT(DISTINCT q.id), COALESCE(SUM(CASE WHEN m.visible_at <= ? THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN m.visible_at > ? THEN 1 ELSE 0 END), 0)"
            " FROM sqs_queues q LEFT JOIN sqs_messages m ON m.queue_id = q.id AND m.id > q.purged_upto"
            " WHERE q.account_id = ? AND q.region = ?", (now, now, account_id, region))
        return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))

    def dead_letter_arns(self, account_id: str, region: str, limit: int = 100) -> builtins.list[str]:
        """An account's queues in a region that some queue's RedrivePolicy names."""
        rows = self._s.all("SELECT DISTINCT q.arn FROM sqs_queues s JOIN sqs_queues q ON q.arn = s.dead_letter_target_arn"
                           " WHERE q.account_id = ? AND q.region = ? ORDER BY q.arn LIMIT ?",
                           (account_id, region, limit))
        return [str(row[0]) for row in rows]


def _dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _task(row: tuple[Any, ...]) -> MoveTaskRecord:
    return MoveTaskRecord(
        row[0], int(row[1]), row[2], row[3], None if row[4] is None else int(row[4]), row[5],
        int(row[6]), int(row[7]), int(row[8]), int(row[9]), row[10],
    )
