"""Migrations that move existing rows: a store is built up to just before one, filled with
rows in the old shape, then opened (which applies the rest); the rows read back through
today's repositories. On both backends."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from eventyard.store import _migrations, open_store
from eventyard.store.jobs import NewJob

T0 = 1_700_000_000_000
ACCOUNT, REGION = "000000000000", "us-east-1"

Execute = Callable[[str, Sequence[Any]], None]


def build_before(store_url: str, version: int, fill: Callable[[Execute], None]) -> None:
    """The schema as migrations numbered below ``version`` left it (recorded as the stores
    record them), with ``fill(execute)``'s rows in it; ``execute`` takes ``?`` marks."""
    if store_url.startswith("sqlite:///"):
        conn: Any = sqlite3.connect(store_url[len("sqlite:///"):], isolation_level=None)
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at REAL NOT NULL)")
        record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)"
        dialect, mark = "sqlite", "?"
    else:
        conn = psycopg.connect(store_url)
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        record = "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)"
        dialect, mark = "postgres", "%s"
    try:
        for m in _migrations.load(dialect):
            if m.version >= version:
                break
            for stmt in _migrations.statements(m.sql):
                conn.execute(stmt)
            conn.execute(record, (m.version, m.name))
        fill(lambda sql, params: conn.execute(sql.replace("?", mark), tuple(params)))
        if dialect == "sqlite":
            conn.execute("COMMIT")
        else:
            conn.commit()
    finally:
        conn.close()


def test_0060_carries_undelivered_outbox_rows_into_the_job_table(store_url: str) -> None:
    target = {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", "Quote": 'say "hi"', "Id": "q"}
    payload = {"body": "{\"a\": 1}", "context": {"rule": "r", "text": "é ✓ \\ \u2028", "big": 2 ** 70}}

    def fill(execute: Execute) -> None:
        insert = ("INSERT INTO deliveries (origin, account_id, region, target_kind, target, payload, attempts,"
                  " created_at, due_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        execute(insert, ("events", ACCOUNT, REGION, "sqs", json.dumps(target), json.dumps(payload, ensure_ascii=False),
                         3, T0, T0 + 5, "HTTP 503: busy"))
        execute(insert, ("sns", "111111111111", "eu-west-1", "http", "{}", '{"body": "x"}', 0, T0 + 1, T0 + 1, None))
        execute("INSERT INTO jobs (kind, payload, created_at, due_at) VALUES (?, ?, ?, ?)",
                ("wait", '{"n": 1}', T0, T0 + 2))

    build_before(store_url, 60, fill)
    store = open_store(store_url)
    try:
        assert store.read_sync(lambda s: (s.deliveries.pending("events"), s.deliveries.pending("sns"))) == (1, 1)
        first, second = store.write_sync(lambda s: s.deliveries.claim(now=T0 + 10, lease_until=T0 + 99, limit=10))
        assert (first.origin, first.account_id, first.region, first.target_kind) == ("events", ACCOUNT, REGION, "sqs")
        assert first.target == target and first.payload == payload
        assert (first.attempts, first.created_at, first.last_error) == (4, T0, "HTTP 503: busy")
        assert (second.origin, second.account_id, second.region, second.target_kind) == (
            "sns", "111111111111", "eu-west-1", "http")
        assert (second.target, second.payload, second.attempts, second.last_error) == ({}, {"body": "x"}, 1, None)
        assert first.id < second.id  # the outbox's order is kept
        [timer] = store.write_sync(lambda s: s.jobs.claim(["wait"], now=T0 + 10, lease_until=T0 + 99, limit=10))
        assert timer.payload == {"n": 1}  # jobs already there stay jobs
        store.write_sync(lambda s: s.jobs.add(NewJob(kind="wait", payload={}, created_at=T0, due_at=T0)))
        assert store.read_sync(lambda s: s.jobs.pending()) == 2
    finally:
        store.close()

