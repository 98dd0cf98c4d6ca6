"""SNS topics, their subscriptions, FIFO deduplication and the notification signing key.

A topic's ``version`` changes with every change to its subscriptions, so that a node can
keep a topic's compiled subscriptions and check them with one read per publish.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_TOPIC_COLUMNS = "id, account_id, region, name, arn, fifo, attributes, data_protection_policy, version, sequence, created_at"
_SUB_COLUMNS = "arn, topic_arn, account_id, region, protocol, endpoint, confirmed, token, attributes, created_at"


@dataclass(frozen=True)
class TopicRecord:
    id: int
    account_id: str
    region: str
    name: str
    arn: str
    fifo: bool
    attributes: dict[str, str]
    data_protection_policy: str | None
    version: int
    sequence: int
    created_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "TopicRecord":
        return cls(int(row[0]), row[1], row[2], row[3], row[4], bool(row[5]), orjson.loads(row[6]), row[7],
                   int(row[8]), int(row[9]), int(row[10]))


@dataclass(frozen=True)
class SubscriptionRecord:
    arn: str
    topic_arn: str
    account_id: str
    region: str
    protocol: str
    endpoint: str
    confirmed: bool
    token: str | None
    attributes: dict[str, str]
    created_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "SubscriptionRecord":
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7], orjson.loads(row[8]),
                   int(row[9]))


@dataclass(frozen=True)
class Duplicate:
    message_id: str
    sequence: str


class Topics:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- topics ----------------------------------------------------------------------
    def insert(self, account_id: str, region: str, name: str, arn: str, fifo: bool, attributes: dict[str, str],
               data_protection_policy: str | None, now: int) -> None:
        self._s.execute(
            "INSERT INTO sns_topics (account_id, region, name, arn, fifo, attributes, data_protection_policy,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (account_id, region, name, arn, int(fifo), orjson.dumps(attributes).decode(), data_protection_policy, now),
        )

    def get(self, arn: str, *, for_update: bool = False) -> TopicRecord | None:
        """``for_update``: the row stays locked until the transaction ends (PostgreSQL), so a
        read-modify-write of its attributes cannot lose a concurrent one's change; SQLite's
        one writer already serializes them."""
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT {_TOPIC_COLUMNS} FROM sns_topics WHERE arn = ?{lock}", (arn,))
        return TopicRecord.from_row(row) if row else None

    def version(self, arn: str) -> tuple[int, int] | None:
        """(id, version) of a topic: the cheap check behind cached subscriptions."""
        row = self._s.one("SELECT id, version FROM sns_topics WHERE arn = ?", (arn,))
        return (int(row[0]), int(row[1])) if row else None

    def list(self, account_id: str, region: str, *, after: str | None, limit: int) -> list[str]:
        sql = "SELECT arn FROM sns_topics WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [r[0] for r in self._s.all(sql, params)]

    def set_attributes(self, arn: str, attributes: dict[str, str]) -> None:
        self._s.execute("UPDATE sns_topics SET attributes = ?, version = version + 1 WHERE arn = ?",
                        (orjson.dumps(attributes).decode(), arn))

    def set_data_protection_policy(self, arn: str, policy: str | None) -> None:
        self._s.execute("UPDATE sns_topics SET data_protection_policy = ? WHERE arn = ?", (policy, arn))

    def delete(self, arn: str) -> bool:
        row = self._s.one("SELECT id FROM sns_topics WHERE arn = ?", (arn,))
        if row is None:
            return False
        self._s.execute("DELETE FROM sns_topics WHERE arn = ?", (arn,))
        self._s.execute("DELETE FROM sns_subscriptions WHERE topic_arn = ?", (arn,))
        self._s.execute("DELETE FROM sns_dedup WHERE topic_id = ?", (row[0],))
        return True

    def next_sequences(self, topic_id: int, count: int) -> int:
        """Reserve ``count`` sequence numbers; the first of them."""
        row = self._s.one("UPDATE sns_topics SET sequence = sequence + ? WHERE id = ? RETURNING sequence",
                          (count, topic_id))
        assert row is not None
        return int(row[0]) - count + 1

    # -- subscriptions ---------------------------------------------------------------
    def subscribe(self, sub: SubscriptionRecord) -> None:
        self._s.execute(
            f"INSERT INTO sns_subscriptions ({_SUB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sub.arn, sub.topic_arn, sub.account_id, sub.region, sub.protocol, sub.endpoint, int(sub.confirmed),
             sub.token, orjson.dumps(sub.attributes).decode(), sub.created_at),
        )
        self._bump(sub.topic_arn)

    def subscription(self, arn: str, *, for_update: bool = False) -> SubscriptionRecord | None:
        """``for_update``: locked until the transaction ends (PostgreSQL), for a
        read-modify-write of its attributes that must not lose a concurrent one."""
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT {_SUB_COLUMNS} FROM sns_subscriptions WHERE arn = ?{lock}", (arn,))
        return SubscriptionRecord.from_row(row) if row else None

    def subscription_by_token(self, token: str) -> SubscriptionRecord | None:
        row = self._s.one(f"SELECT {_SUB_COLUMNS} FROM sns_subscriptions WHERE token = ?", (token,))
        return SubscriptionRecord.from_row(row) if row else None

    def subscriptions_of(self, topic_arn: str, *, after: str | None = None,
                         limit: int | None = None) -> builtins.list[SubscriptionRecord]:
        sql = f"SELECT {_SUB_COLUMNS} FROM sns_subscriptions WHERE topic_arn = ?"
        params: list[Any] = [topic_arn]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [SubscriptionRecord.from_row(r) for r in self._s.all(sql, params)]

    def subscriptions_owned(self, account_id: str, region: str, *, after: str | None,
                            limit: int) -> builtins.list[SubscriptionRecord]:
        sql = f"SELECT {_SUB_COLUMNS} FROM sns_subscriptions WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [SubscriptionRecord.from_row(r) for r in self._s.all(sql, params)]

    def confirm(self, arn: str) -> None:
        self._s.execute("UPDATE sns_subscriptions SET confirmed = 1, token = NULL WHERE arn = ?", (arn,))
        row = self._s.one("SELECT topic_arn FROM sns_subscriptions WHERE arn = ?", (arn,))
        if row:
            self._bump(row[0])

    def set_subscription_attributes(self, arn: str, attributes: dict[str, str]) -> None:
        self._s.execute("UPDATE sns_subscriptions SET attributes = ? WHERE arn = ?",
                        (orjson.dumps(attributes).decode(), arn))
        row = self._s.one("SELECT topic_arn FROM sns_subscriptions WHERE arn = ?", (arn,))
        if row:
            self._bump(row[0])

    def unsubscribe(self, arn: str) -> bool:
        row = self._s.one("SELECT topic_arn FROM sns_subscriptions WHERE arn = ?", (arn,))
        if row is None:
            return False
        self._s.execute("DELETE FROM sns_subscriptions WHERE arn = ?", (arn,))
        self._bump(row[0])
        return True

    def count_subscriptions(self, topic_arn: str) -> tuple[int, int]:
        """(confirmed, pending) subscriptions of a topic."""
        rows = self._s.all("SELECT confirmed, COUNT(*) FROM sns_subscriptions WHERE topic_arn = ? GROUP BY confirmed",
                           (topic_arn,))
        counts = {int(c): int(n) for c, n in rows}
        return counts.get(1, 0), counts.get(0, 0)

    def _bump(self, topic_arn: str) -> None:
        self._s.execute("UPDATE sns_topics SET version = version + 1 WHERE arn = ?", (topic_arn,))

    # -- FIFO deduplication ----------------------------------------------------------
    def duplicate(self, topic_id: int, scope_key: str, dedup_id: str, now: int) -> Duplicate | None:
        row = self._s.one(
            "SELECT message_id, sequence FROM sns_dedup WHERE topic_id = ? AND scope_key = ? AND dedup_id = ?"
            " AND expires_at > ?", (topic_id, scope_key, dedup_id, now))
        return Duplicate(row[0], row[1]) if row else None

    def remember(self, topic_id: int, scope_key: str, dedup_id: str, message_id: str, sequence: str,
                 expires_at: int) -> None:
        self._s.execute(
            "INSERT INTO sns_dedup (topic_id, scope_key, dedup_id, message_id, sequence, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (topic_id, scope_key, dedup_id) DO UPDATE SET"
            " message_id = excluded.message_id, sequence = excluded.sequence, expires_at = excluded.expires_at",
            (topic_id, scope_key, dedup_id, message_id, sequence, expires_at))

    def forget_expired(self, now: int) -> None:
        self._s.execute("DELETE FROM sns_dedup WHERE expires_at <= ?", (now,))

    # -- the signing key -------------------------------------------------------------
    def signing_key(self) -> tuple[str, str] | None:
        row = self._s.one("SELECT private_key, certificate FROM sns_signing_keys WHERE id = 1")
        return (row[0], row[1]) if row else None

    def put_signing_key(self, private_key: str, certificate: str) -> None:
        self._s.execute("INSERT INTO sns_signing_keys (id, private_key, certificate) VALUES (1, ?, ?)"
                        " ON CONFLICT (id) DO NOTHING", (private_key, certificate))
