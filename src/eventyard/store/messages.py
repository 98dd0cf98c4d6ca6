"""SQS messages, FIFO message groups, deduplication ids and receive attempts.

Every operation reaches its rows through an index, so its cost does not grow with the
depth of the queue:

- receives walk ``(queue_id, visible_at, id)`` from the oldest ready message;
- FIFO receives pick ready groups from ``sqs_fifo_groups (queue_id, available_at)`` and
  read each group in order through ``(queue_id, group_id, seq)``;
- receipt handles name the row id (primary key).

Claiming is atomic. On SQLite every unit of work that claims runs on the single writer;
on PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED`` so that two
nodes never hand out the same message or the same FIFO group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import orjson

from eventyard.store.notifications import wake

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "id, queue_id, message_id, body, attributes, attributes_md5, system_attributes,"
    " system_attributes_md5, sender_id, sent_at, visible_at, expires_at, receive_count,"
    " first_received_at, received_at, receipt_token, group_id, dedup_id, seq, dead_letter_source_arn"
)
_INSERT_COLUMNS = (
    "queue_id, message_id, body, attributes, attributes_md5, system_attributes, system_attributes_md5,"
    " sender_id, sent_at, visible_at, expires_at, group_id, dedup_id, seq, dead_letter_source_arn,"
    " receive_count, first_received_at"
)
# Sends (and anything else that makes messages ready) wake the other nodes' long polls
# on the queue at once: the wake-up key is ``sqs-queue:<queue id>``.
READY_KIND = "sqs-queue"


@dataclass(frozen=True)
class NewMessage:
    message_id: str
    body: str
    attributes: str | None  # JSON of the message attributes
    attributes_md5: str | None
    system_attributes: str | None
    system_attributes_md5: str | None
    sender_id: str
    sent_at: int  # epoch ms
    visible_at: int
    expires_at: int
    group_id: str | None = None
    dedup_id: str | None = None
    dead_letter_source_arn: str | None = None
    receive_count: int = 0  # carried over when a message moves to its dead-letter queue
    first_received_at: int | None = None


@dataclass(frozen=True)
class StoredMessage:
    id: int
    queue_id: int
    message_id: str
    body: str
    attributes: str | None
    attributes_md5: str | None
    system_attributes: str | None
    system_attributes_md5: str | None
    sender_id: str
    sent_at: int
    visible_at: int
    expires_at: int
    receive_count: int
    first_received_at: int | None
    received_at: int | None
    receipt_token: str | None
    group_id: str | None
    dedup_id: str | None
    seq: int | None
    dead_letter_source_arn: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredMessage":
        return cls(*row)


@dataclass(frozen=True)
class ReceiptState:
    """What acting on a receipt handle needs to know about its message (no body)."""

    id: int
    queue_id: int
    receipt_token: str | None
    visible_at: int
    received_at: int | None
    group_id: str | None


@dataclass(frozen=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int


@dataclass(frozen=True)
class ReceiveAttempt:
    receipt_token: str
    message_ids: list[int]
    visible_at: int


PEEK_MANY = 1000  # from this many messages on, peek walks a queue's rows along the primary key


class Messages:
    def __init__(self, session: "Session") -> None:
        self._s = session

    @property
    def _row_id(self) -> str:
        """The physical row id of tables without a surrogate key."""
        return "ctid" if self._s.dialect == "postgres" else "rowid"

    @property
    def _locking(self) -> str:
        """Row locks for claims on PostgreSQL; SQLite's single writer needs none."""
        return " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""

    # -- sending -------------------------------------------------------------------
    def next_sequence_numbers(self, queue_id: int, count: int) -> list[int]:
        """Reserve ``count`` FIFO sequence numbers; this locks the queue's counter until commit."""
        last = self._s.scalar(
            "UPDATE sqs_sequences SET next_seq = next_seq + ? WHERE queue_id = ? RETURNING next_seq", (count, queue_id)
        )
        if last is None:
            raise LookupError(f"queue {queue_id} has no sequence counter")
        return list(range(int(last) - count + 1, int(last) + 1))

    def add(self, queue_id: int, messages: Sequence[NewMessage], seqs: Sequence[int | None] | None = None) -> None:
        """Store ``messages``; FIFO messages carry their ``seqs`` and join their groups."""
        seqs = seqs or [None] * len(messages)
        rows = [
            (queue_id, m.message_id, m.body, m.attributes, m.attributes_md5, m.system_attributes,
             m.system_attributes_md5, m.sender_id, m.sent_at, m.visible_at, m.expires_at, m.group_id,
             m.dedup_id, seq, m.dead_letter_source_arn, m.receive_count, m.first_received_at)
            for m, seq in zip(messages, seqs)
        ]
        self._s.executemany(
            f"INSERT INTO sqs_messages ({_INSERT_COLUMNS}) VALUES ({', '.join('?' * 17)})",
            rows,
        )
        groups: dict[str, int] = {}
        for message, seq in zip(messages, seqs):
            if seq is not None and message.group_id is not None and message.group_id not in groups:
                groups[message.group_id] = message.visible_at
        if groups:
            # DO UPDATE (not NOTHING) takes the row lock, so a concurrent refresh that is
            # about to drop the group as empty waits for this message (PostgreSQL).
            self._s.executemany(
                "INSERT INTO sqs_fifo_groups (queue_id, group_id, available_at) VALUES (?, ?, ?)"
                " ON CONFLICT (queue_id, group_id) DO UPDATE SET available_at = sqs_fifo_groups.available_at",
                [(queue_id, group, at) for group, at in groups.items()],
            )
        self.announce(queue_id)

    def announce(self, queue_id: int) -> None:
        """Tell other nodes' long polls, at commit, that ``queue_id`` may have ready messages."""
        wake(self._s, READY_KIND, queue_id)

    def last_id(self) -> int:
        return int(self._s.scalar("SELECT COALESCE(MAX(id), 0) FROM sqs_messages"))

    # -- FIFO deduplication ----------------------------------------------------------
    def remember_dedup(
        self, queue_id: int, scope: str, dedup_id: str, *, message_id: str, seq: int, now: int, expires_at: int
    ) -> bool:
        """Claim ``dedup_id`` for a new message; False if it is a duplicate within the window."""
        cur = self._s.execute(
            "INSERT INTO sqs_fifo_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET"
            " message_id = excluded.message_id, seq = excluded.seq, expires_at = excluded.expires_at"
            " WHERE sqs_fifo_dedup.expires_at <= ?",
            (queue_id, scope, dedup_id, message_id, seq, expires_at, now),
        )
        return bool(cur.rowcount == 1)

    def remember_dedups(
        self, queue_id: int, claims: Sequence[tuple[str, str, str, int]], *, now: int, expires_at: int
    ) -> set[tuple[str, str]]:
        """``remember_dedup`` for several (scope, dedup id, message id, seq) in one statement;
        returns the (scope, dedup id) pairs claimed. The pairs must be distinct."""
        if not claims:
            return set()
        values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(claims))
        params: list[object] = []
        for scope, dedup_id, message_id, seq in claims:
            params += [queue_id, scope, dedup_id, message_id, seq, expires_at]
        params.append(now)
        rows = self._s.all(
            f"INSERT INTO sqs_fifo_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at) VALUES {values}"
            " ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET message_id = excluded.message_id,"
            " seq = excluded.seq, expires_at = excluded.expires_at WHERE sqs_fifo_dedup.expires_at <= ?"
            " RETURNING scope, dedup_id",
            params,
        )
        return {(row[0], row[1]) for row in rows}

    def live_dedups(self, queue_id: int, scope: str, dedup_ids: Sequence[str], now: int) -> dict[str, tuple[str, int]]:
        """Of ``dedup_ids``, those remembered in ``scope`` and not expired: (message id, seq) of each."""
        if not dedup_ids:
            return {}
        marks = ", ".join("?" * len(dedup_ids))
        rows = self._s.all(
            "SELECT dedup_id, message_id, seq FROM sqs_fifo_dedup WHERE queue_id = ? AND scope = ?"
            f" AND dedup_id IN ({marks}) AND expires_at > ?",
            (queue_id, scope, *dedup_ids, now),
        )
        return {row[0]: (row[1], int(row[2])) for row in rows}

    def dedup_original(self, queue_id: int, scope: str, dedup_id: str) -> tuple[str, int] | None:
        row = self._s.one(
            "SELECT message_id, seq FROM sqs_fifo_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ?",
            (queue_id, scope, dedup_id),
        )
        return (row[0], int(row[1])) if row else None

    # -- receiving: standard queues ------------------------------------------------------
    def ready(self, queue_id: int, *, now: int, after_id: int, limit: int, upto: int | None = None) -> list[StoredMessage]:
        """The oldest visible, unexpired messages (locked on PostgreSQL, skipping locked ones)."""
        sql = (
            f"SELECT {_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND id > ?"
            " AND expires_at > ?"
        )
        params: list[object] = [queue_id, now, after_id, now]
        if upto is not None:
            sql += " AND id <= ?"
            params.append(upto)
        sql += " ORDER BY visible_at, id LIMIT ?" + self._locking
        params.append(limit)
        return [StoredMessage.from_row(row) for row in self._s.all(sql, params)]

    def mark_received(self, ids: Sequence[int], *, now: int, visible_at: int, receipt_token: str) -> None:
        if not ids:
            return
        marks = ", ".join("?" * len(ids))
        self._s.execute(
            "UPDATE sqs_messages SET receive_count = receive_count + 1,"
            " first_received_at = COALESCE(first_received_at, ?), received_at = ?, visible_at = ?,"
            f" receipt_token = ? WHERE id IN ({marks})",
            (now, now, visible_at, receipt_token, *ids),
        )

    def next_visible_at(self, queue_id: int, now: int, *, fifo: bool) -> int | None:
        """When the next message (FIFO: group) that is not ready now becomes ready."""
        if fifo:
            sql = "SELECT MIN(available_at) FROM sqs_fifo_groups WHERE queue_id = ? AND available_at > ?"
        else:
            sql = "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?"
        value = self._s.scalar(sql, (queue_id, now))
        return None if value is None else int(value)

    # -- receiving: FIFO queues ------------------------------------------------------------
    def ready_groups(self, queue_id: int, *, now: int, limit: int) -> list[str]:
        """Groups that may be received from now, longest waiting first (locked on PostgreSQL)."""
        rows = self._s.all(
            "SELECT group_id FROM sqs_fifo_groups WHERE queue_id = ? AND available_at <= ?"
            " ORDER BY available_at, group_id LIMIT ?" + self._locking,
            (queue_id, now, limit),
        )
        return [r[0] for r in rows]

    def group_messages(self, queue_id: int, group_id: str, *, after_id: int, limit: int) -> list[StoredMessage]:
        """The first messages of a group, in order."""
        rows = self._s.all(
            f"SELECT {_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND group_id = ? AND seq IS NOT NULL"
            " AND id > ? ORDER BY seq LIMIT ?",
            (queue_id, group_id, after_id, limit),
        )
        return [StoredMessage.from_row(row) for row in rows]

    def set_group_available(self, queue_id: int, group_id: str, available_at: int) -> None:
        self._s.execute(
            "UPDATE sqs_fifo_groups SET available_at = ? WHERE queue_id = ? AND group_id = ?",
            (available_at, queue_id, group_id),
        )

    def refresh_group(self, queue_id: int, group_id: str, *, after_id: int = 0) -> None:
        """Recompute when a group is next available, or drop it once it is empty.

        A group is available when its first message is visible. Its in-flight messages
        are always its first ones, so this blocks it while the head is in flight; one
        in-flight message made visible again (visibility 0) frees the group, as on AWS,
        and a receive then stops at the first message still in flight.
        """
        if self._s.dialect == "postgres":  # see the latest committed messages of the group
            self._s.execute(
                "SELECT 1 FROM sqs_fifo_groups WHERE queue_id = ? AND group_id = ? FOR UPDATE", (queue_id, group_id)
            )
        head = self._s.one(
            "SELECT visible_at FROM sqs_messages WHERE queue_id = ? AND group_id = ?"
            " AND seq IS NOT NULL AND id > ? ORDER BY seq LIMIT 1",
            (queue_id, group_id, after_id),
        )
        if head is None:
            self._s.execute("DELETE FROM sqs_fifo_groups WHERE queue_id = ? AND group_id = ?", (queue_id, group_id))
            return
        available = int(head[0])
        self._s.execute(
            "INSERT INTO sqs_fifo_groups (queue_id, group_id, available_at) VALUES (?, ?, ?)"
            " ON CONFLICT (queue_id, group_id) DO UPDATE SET available_at = excluded.available_at",
            (queue_id, group_id, available),
        )

    # -- ReceiveRequestAttemptId (FIFO) ------------------------------------------------------
    def receive_attempt(self, queue_id: int, attempt_id: str, now: int) -> ReceiveAttempt | None:
        row = self._s.one(
            "SELECT receipt_token, message_ids FROM sqs_receive_attempts"
            " WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?",
            (queue_id, attempt_id, now),
        )
        if row is None:
            return None
        data = orjson.loads(row[1])
        return ReceiveAttempt(row[0], [int(i) for i in data["ids"]], int(data["visible_at"]))

    def remember_receive_attempt(
        self, queue_id: int, attempt_id: str, attempt: ReceiveAttempt, expires_at: int
    ) -> None:
        ids = orjson.dumps({"ids": attempt.message_ids, "visible_at": attempt.visible_at}).decode()
        self._s.execute(
            "INSERT INTO sqs_receive_attempts (queue_id, attempt_id, receipt_token, message_ids, expires_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (queue_id, attempt_id) DO UPDATE SET"
            " receipt_token = excluded.receipt_token, message_ids = excluded.message_ids,"
            " expires_at = excluded.expires_at",
            (queue_id, attempt_id, attempt.receipt_token, ids, expires_at),
        )

    # -- by receipt handle -----------------------------------------------------------------
    def get(self, message_row_id: int) -> StoredMessage | None:
        row = self._s.one(f"SELECT {_COLUMNS} FROM sqs_messages WHERE id = ?", (message_row_id,))
        return StoredMessage.from_row(row) if row else None

    def receipt_state(self, message_row_id: int) -> ReceiptState | None:
        row = self._s.one(
            "SELECT id, queue_id, receipt_token, visible_at, received_at, group_id FROM sqs_messages WHERE id = ?",
            (message_row_id,),
        )
        return ReceiptState(*row) if row else None

    def receipt_states(self, ids: Sequence[int]) -> dict[int, ReceiptState]:
        """``receipt_state`` of several messages in one statement (those that exist)."""
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self._s.all(
            "SELECT id, queue_id, receipt_token, visible_at, received_at, group_id FROM sqs_messages"
            f" WHERE id IN ({marks})",
            tuple(ids),
        )
        return {int(row[0]): ReceiptState(*row) for row in rows}

    def get_many(self, ids: Sequence[int]) -> list[StoredMessage]:
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._s.all(f"SELECT {_COLUMNS} FROM sqs_messages WHERE id IN ({marks}) ORDER BY id", tuple(ids))
        return [StoredMessage.from_row(row) for row in rows]

    def delete(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        return int(self._s.execute(f"DELETE FROM sqs_messages WHERE id IN ({marks})", tuple(ids)).rowcount)

    def set_visible_at(self, message_row_id: int, visible_at: int) -> None:
        self._s.execute("UPDATE sqs_messages SET visible_at = ? WHERE id = ?", (visible_at, message_row_id))

    # -- looking without receiving (the console) --------------------------------------------
    def peek(self, queue_id: int, *, now: int, after_id: int, from_id: int, limit: int,
             containing: str | None = None) -> list[StoredMessage]:
        """Unexpired messages of a queue in the order they were sent, from the id past
        ``from_id``, read only: no receive count, visibility or receipt changes (a receive
        would push a message towards its dead-letter queue). ``containing``: only messages
        whose body or message attributes hold that text (case-sensitive)."""
        # No index has (queue_id, id) (one more on the SQS write path): a queue holding many
        # messages is read along the primary key from the cursor (its rows are dense
        # enough there), a small one through the ready index, sorted (it has few rows).
        # (a search reads every row of the queue either way: through the index, only those)
        many = not containing and self._s.scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM sqs_messages WHERE queue_id = ? LIMIT ?) f",
            (queue_id, PEEK_MANY)) == PEEK_MANY
        column = "+queue_id" if many else "queue_id"  # +: not through an index on queue_id
        sql = f"SELECT {_COLUMNS} FROM sqs_messages WHERE {column} = ? AND id > ? AND expires_at > ?"
        params: list[object] = [queue_id, max(after_id, from_id), now]
        if containing:
            find = "instr({}, ?) > 0" if self._s.dialect == "sqlite" else "strpos({}, ?) > 0"
            sql += f" AND ({find.format('body')} OR {find.format('COALESCE(attributes, ?)')})"
            params += [containing, "", containing]
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        return [StoredMessage.from_row(row) for row in self._s.all(sql, params)]

    # -- queue-wide ----------------------------------------------------------------------
    def counts(self, queue_id: int, *, now: int, after_id: int) -> Counts:
        """Visible, in-flight and delayed messages (the visible count reads the index only)."""
        visible = self._s.scalar(
            "SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND id > ?",
            (queue_id, now, after_id),
        )
        in_flight = delayed = 0
        for received, count in self._s.all(
            "SELECT CASE WHEN receive_count > 0 THEN 1 ELSE 0 END, COUNT(*) FROM sqs_messages"
            " WHERE queue_id = ? AND visible_at > ? AND id > ? GROUP BY 1",
            (queue_id, now, after_id),
        ):
            if received:
                in_flight = int(count)
            else:
                delayed = int(count)
        return Counts(int(visible), in_flight, delayed)

    def count_in_flight(self, queue_id: int, *, now: int, after_id: int, limit: int) -> int:
        """Received messages not yet visible again, counted up to ``limit`` (the range of the
        receive index past ``now``)."""
        return int(self._s.scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND id > ?"
            " AND receive_count > 0 LIMIT ?) AS in_flight",
            (queue_id, now, after_id, limit),
        ))

    def count_upto(self, queue_id: int, *, after_id: int, upto: int) -> int:
        return int(self._s.scalar(
            "SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND id > ? AND id <= ?", (queue_id, after_id, upto)
        ))

    def shorten_retention(self, queue_id: int, retention_ms: int) -> None:
        """Lowering MessageRetentionPeriod expires messages already queued (a queue-wide update)."""
        self._s.execute(
            "UPDATE sqs_messages SET expires_at = sent_at + ? WHERE queue_id = ? AND expires_at > sent_at + ?",
            (retention_ms, queue_id, retention_ms),
        )

    # -- background upkeep -------------------------------------------------------------------
    def drop_expired(self, now: int, limit: int) -> list[tuple[int, str]]:
        """Delete up to ``limit`` messages past retention; returns the FIFO groups touched."""
        rows = self._s.all(
            "DELETE FROM sqs_messages WHERE id IN (SELECT id FROM sqs_messages WHERE expires_at <= ?"
            f" LIMIT ?{self._locking}) RETURNING queue_id, group_id, seq",
            (now, limit),
        )
        return sorted({(int(q), g) for q, g, seq in rows if seq is not None})

    def drop_queue_messages(self, queue_id: int, *, upto: int, limit: int) -> int:
        """Delete up to ``limit`` messages of a purged or deleted queue."""
        cur = self._s.execute(
            "DELETE FROM sqs_messages WHERE id IN (SELECT id FROM sqs_messages WHERE queue_id = ? AND id <= ?"
            f" LIMIT ?{self._locking})",
            (queue_id, upto, limit),
        )
        return int(cur.rowcount)

    def drop_groups(self, queue_id: int) -> None:
        self._s.execute("DELETE FROM sqs_fifo_groups WHERE queue_id = ?", (queue_id,))

    def forget_dedups(self, queue_id: int) -> None:
        """PurgeQueue empties the deduplication cache too (AWS); at most 5 minutes of ids."""
        self._s.execute("DELETE FROM sqs_fifo_dedup WHERE queue_id = ?", (queue_id,))

    def drop_fifo_state(self, queue_id: int, limit: int) -> int:
        """Delete up to ``limit`` FIFO rows (groups, dedup ids, attempts) of a deleted queue."""
        removed = 0
        for table in ("sqs_fifo_groups", "sqs_fifo_dedup", "sqs_receive_attempts"):
            cur = self._s.execute(
                f"DELETE FROM {table} WHERE {self._row_id} IN"
                f" (SELECT {self._row_id} FROM {table} WHERE queue_id = ? LIMIT ?)",
                (queue_id, limit),
            )
            removed += int(cur.rowcount)
        return removed

    def drop_expired_dedup(self, now: int, limit: int) -> int:
        return self._drop_by_expiry("sqs_fifo_dedup", now, limit)

    def drop_expired_attempts(self, now: int, limit: int) -> int:
        return self._drop_by_expiry("sqs_receive_attempts", now, limit)

    def _drop_by_expiry(self, table: str, now: int, limit: int) -> int:
        row_id = self._row_id
        cur = self._s.execute(
            f"DELETE FROM {table} WHERE {row_id} IN (SELECT {row_id} FROM {table} WHERE expires_at <= ? LIMIT ?)",
            (now, limit),
        )
        return int(cur.rowcount)
