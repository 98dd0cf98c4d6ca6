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


def test_0061_moves_eventbridge_times_from_seconds_to_milliseconds(store_url: str) -> None:
    def arn(kind: str, name: str) -> str:
        return f"arn:aws:events:{REGION}:{ACCOUNT}:{kind}/{name}"

    def fill(execute: Execute) -> None:
        execute("INSERT INTO event_buses (account_id, region, name, arn, created_at, modified_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (ACCOUNT, REGION, "b", arn("event-bus", "b"), 1_700_000_000.1234, 1_700_000_001.5))
        for name, authorized in (("c", 1_700_000_002.25), ("never", None)):
            execute("INSERT INTO event_connections (account_id, region, name, arn, authorization_type, state,"
                    " created_at, modified_at, authorized_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ACCOUNT, REGION, name, arn("connection", name), "API_KEY", "AUTHORIZED", 1_700_000_000.0,
                     1_700_000_003.0006, authorized))
        execute("INSERT INTO event_api_destinations (account_id, region, name, arn, connection_arn, endpoint,"
                " http_method, rate_limit, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ACCOUNT, REGION, "d", arn("api-destination", "d"), arn("connection", "c"), "https://example.com",
                 "POST", 300, 1_700_000_004.999, 1_700_000_005.25))
        execute("INSERT INTO event_archives (account_id, region, name, arn, source_arn, retention_days, state, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ACCOUNT, REGION, "a", arn("archive", "a"), arn("event-bus", "b"), 0, "ENABLED", 1_700_000_006.75))
        for name, end in (("done", 1_700_000_008.125), ("running", None)):
            execute("INSERT INTO event_replays (account_id, region, name, arn, archive_arn, destination, event_start,"
                    " event_end, state, replay_start, replay_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ACCOUNT, REGION, name, arn("replay", name), arn("archive", "a"), '{"Arn": "x"}', T0, T0 + 1,
                     "COMPLETED", 1_700_000_007.5, end))

    build_before(store_url, 61, fill)
    store = open_store(store_url)
    try:
        def read(s: Any) -> list[Any]:
            bus, c, never = (s.event_buses.get(ACCOUNT, REGION, "b"), s.connections.get(ACCOUNT, REGION, "c"),
                             s.connections.get(ACCOUNT, REGION, "never"))
            d, a = s.api_destinations.get(ACCOUNT, REGION, "d"), s.event_archives.get(ACCOUNT, REGION, "a")
            done, running = s.event_replays.get(ACCOUNT, REGION, "done"), s.event_replays.get(ACCOUNT, REGION, "running")
            return [bus.created_at, bus.modified_at, c.created_at, c.modified_at, c.authorized_at, never.authorized_at,
                    d.created_at, d.modified_at, a.created_at, done.replay_start, done.replay_end, running.replay_end]

        times = store.read_sync(read)
        assert times == [1_700_000_000_123, 1_700_000_001_500, 1_700_000_000_000, 1_700_000_003_001,
                         1_700_000_002_250, None, 1_700_000_004_999, 1_700_000_005_250, 1_700_000_006_750,
                         1_700_000_007_500, 1_700_000_008_125, None]
        assert all(type(t) is int for t in times if t is not None)  # whole milliseconds, not floats
    finally:
        store.close()
