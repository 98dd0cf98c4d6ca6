"""Step Functions: state machines with their versions and aliases, executions (their
interpreter state is JSON text the service keeps opaque), history events, the events
an execution has yet to apply (its inbox), task tokens and activities.

``lock_execution`` takes the execution's row for the unit of work (``FOR UPDATE`` on
PostgreSQL; SQLite has a single writer), so that on any number of nodes one execution
is advanced by one unit of work at a time.
"""

from __future__ import annotations

import builtins
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["ActivityRecord", "AliasRecord", "ExecutionRecord", "MachineRecord", "StateMachines", "TaskRecord",
           "VersionRecord"]

_MACHINE = ("arn, account_id, region, name, machine_type, definition_hash, role_arn, description, config,"
            " revision_id, next_version, created_at, updated_at")
_VERSION = "arn, machine_arn, version, definition_hash, role_arn, description, config, revision_id, created_at"
_ALIAS = "arn, machine_arn, name, description, routing, created_at, updated_at"
_EXECUTION = ("arn, account_id, region, machine_arn, version_arn, alias_arn, name, machine_type, definition_hash,"
              " role_arn, status, input, output, error, cause, trace_header, event_count, redrive_count,"
              " redrive_date, start_date, stop_date")
_TASK = "token, execution_arn, task_id, activity_arn, input, status, worker_name, created_at"


@dataclass(frozen=True)
class MachineRecord:
    arn: str
    account_id: str
    region: str
    name: str
    machine_type: str
    definition_hash: str
    role_arn: str
    description: str | None
    config: dict[str, Any]
    revision_id: str
    next_version: int
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "MachineRecord":
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], orjson.loads(row[8]), row[9],
                   int(row[10]), int(row[11]), int(row[12]))


@dataclass(frozen=True)
class VersionRecord:
    arn: str
    machine_arn: str
    version: int
    definition_hash: str
    role_arn: str
    description: str | None
    config: dict[str, Any]
    revision_id: str
    created_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "VersionRecord":
        return cls(row[0], row[1], int(row[2]), row[3], row[4], row[5], orjson.loads(row[6]), row[7], int(row[8]))


@dataclass(frozen=True)
class AliasRecord:
    arn: str
    machine_arn: str
    name: str
    description: str | None
    routing: list[dict[str, Any]]
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "AliasRecord":
        return cls(row[0], row[1], row[2], row[3], orjson.loads(row[4]), int(row[5]), int(row[6]))


@dataclass(frozen=True)
class ExecutionRecord:
    arn: str
    account_id: str
    region: str
    machine_arn: str
    version_arn: str | None
    alias_arn: str | None
    name: str
    machine_type: str
    definition_hash: str
    role_arn: str
    status: str
    input: str
    output: str | None
    error: str | None
    cause: str | None
    trace_header: str | None
    event_count: int
    redrive_count: int
    redrive_date: int | None
    start_date: int
    stop_date: int | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "ExecutionRecord":
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11],
                   row[12], row[13], row[14], row[15], int(row[16]), int(row[17]),
                   None if row[18] is None else int(row[18]), int(row[19]), None if row[20] is None else int(row[20]))


@dataclass(frozen=True)
class TaskRecord:
    token: str
    execution_arn: str
    task_id: str
    activity_arn: str | None
    input: str | None
    status: str  # WAITING | STARTED | CLOSED
    worker_name: str | None
    created_at: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "TaskRecord":
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], row[6], int(row[7]))


@dataclass(frozen=True)
class ActivityRecord:
    arn: str
    account_id: str
    region: str
    name: str
    created_at: int


def definition_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


class StateMachines:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- definitions -------------------------------------------------------------------
    def keep_definition(self, body: str) -> str:
        """Store a definition text once; its hash."""
        digest = definition_hash(body)
        self._s.execute("INSERT INTO sfn_definitions (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
                        (digest, body))
        return digest

    def definition(self, digest: str) -> str | None:
        value = self._s.scalar("SELECT body FROM sfn_definitions WHERE hash = ?", (digest,))
        return None if value is None else str(value)

    # -- state machines ----------------------------------------------------------------
    def insert(self, m: MachineRecord) -> None:
        self._s.execute(
            f"INSERT INTO sfn_state_machines ({_MACHINE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (m.arn, m.account_id, m.region, m.name, m.machine_type, m.definition_hash, m.role_arn, m.description,
             orjson.dumps(m.config).decode(), m.revision_id, m.next_version, m.created_at, m.updated_at))

    def get(self, arn: str) -> MachineRecord | None:
        row = self._s.one(f"SELECT {_MACHINE} FROM sfn_state_machines WHERE arn = ?", (arn,))
        return None if row is None else MachineRecord.from_row(row)

    def update(self, m: MachineRecord) -> None:
        self._s.execute(
            "UPDATE sfn_state_machines SET definition_hash = ?, role_arn = ?, description = ?, config = ?,"
            " revision_id = ?, next_version = ?, updated_at = ? WHERE arn = ?",
            (m.definition_hash, m.role_arn, m.description, orjson.dumps(m.config).decode(), m.revision_id,
             m.next_version, m.updated_at, m.arn))

    def delete(self, arn: str) -> bool:
        cur = self._s.execute("DELETE FROM sfn_state_machines WHERE arn = ?", (arn,))
        self._s.execute("DELETE FROM sfn_versions WHERE machine_arn = ?", (arn,))
        self._s.execute("DELETE FROM sfn_aliases WHERE machine_arn = ?", (arn,))
        return bool(cur.rowcount == 1)

    def list(self, account_id: str, region: str, *, after: str | None, limit: int) -> builtins.list[MachineRecord]:
        sql = f"SELECT {_MACHINE} FROM sfn_state_machines WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [MachineRecord.from_row(r) for r in self._s.all(sql, params)]

    # -- versions and aliases ------------------------------------------------------------
    def insert_version(self, v: VersionRecord) -> None:
        self._s.execute(
            f"INSERT INTO sfn_versions ({_VERSION}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (v.arn, v.machine_arn, v.version, v.definition_hash, v.role_arn, v.description,
             orjson.dumps(v.config).decode(), v.revision_id, v.created_at))

    def version(self, arn: str) -> VersionRecord | None:
        row = self._s.one(f"SELECT {_VERSION} FROM sfn_versions WHERE arn = ?", (arn,))
        return None if row is None else VersionRecord.from_row(row)

    def versions(self, machine_arn: str) -> builtins.list[VersionRecord]:
        """Newest first, as ListStateMachineVersions lists them."""
        rows = self._s.all(f"SELECT {_VERSION} FROM sfn_versions WHERE machine_arn = ? ORDER BY version DESC",
                           (machine_arn,))
        return [VersionRecord.from_row(r) for r in rows]

    def delete_version(self, arn: str) -> bool:
        return bool(self._s.execute("DELETE FROM sfn_versions WHERE arn = ?", (arn,)).rowcount == 1)

    def put_alias(self, a: AliasRecord) -> None:
        self._s.execute(
            f"INSERT INTO sfn_aliases ({_ALIAS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET"
            " description = excluded.description, routing = excluded.routing, updated_at = excluded.updated_at",
            (a.arn, a.machine_arn, a.name, a.description, orjson.dumps(a.routing).decode(), a.created_at,
             a.updated_at))

    def alias(self, arn: str) -> AliasRecord | None:
        row = self._s.one(f"SELECT {_ALIAS} FROM sfn_aliases WHERE arn = ?", (arn,))
        return None if row is None else AliasRecord.from_row(row)

    def aliases(self, machine_arn: str) -> builtins.list[AliasRecord]:
        rows = self._s.all(f"SELECT {_ALIAS} FROM sfn_aliases WHERE machine_arn = ? ORDER BY name", (machine_arn,))
        return [AliasRecord.from_row(r) for r in rows]

    def delete_alias(self, arn: str) -> bool:
        return bool(self._s.execute("DELETE FROM sfn_aliases WHERE arn = ?", (arn,)).rowcount == 1)

    # -- executions ----------------------------------------------------------------------
    def insert_execution(self, e: ExecutionRecord, state: str) -> None:
        self._s.execute(
            f"INSERT INTO sfn_executions ({_EXECUTION}, state) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.arn, e.account_id, e.region, e.machine_arn, e.version_arn, e.alias_arn, e.name, e.machine_type,
             e.definition_hash, e.role_arn, e.status, e.input, e.output, e.error, e.cause, e.trace_header,
             e.event_count, e.redrive_count, e.redrive_date, e.start_date, e.stop_date, state))

    def insert_new_execution(self, e: ExecutionRecord, state: str) -> bool:
        """``insert_execution`` unless an execution of that ARN exists (then False, nothing
        written): a start's existence check and insert in one statement."""
        cur = self._s.execute(
            f"INSERT INTO sfn_executions ({_EXECUTION}, state) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING",
            (e.arn, e.account_id, e.region, e.machine_arn, e.version_arn, e.alias_arn, e.name, e.machine_type,
             e.definition_hash, e.role_arn, e.status, e.input, e.output, e.error, e.cause, e.trace_header,
             e.event_count, e.redrive_count, e.redrive_date, e.start_date, e.stop_date, state))
        return bool(cur.rowcount == 1)

    def execution(self, arn: str) -> ExecutionRecord | None:
        row = self._s.one(f"SELECT {_EXECUTION} FROM sfn_executions WHERE arn = ?", (arn,))
        return None if row is None else ExecutionRecord.from_row(row)

    def lock_execution(self, arn: str) -> tuple[ExecutionRecord, str] | None:
        """The execution and its interpreter state, its row held until the unit ends."""
        lock = " FOR UPDATE" if self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT {_EXECUTION}, state FROM sfn_executions WHERE arn = ?{lock}", (arn,))
        return None if row is None else (ExecutionRecord.from_row(row[:-1]), str(row[-1]))

    def save_execution(self, arn: str, *, state: str, status: str, event_count: int, output: str | None = None,
                       error: str | None = None, cause: str | None = None, stop_date: int | None = None,
                       redrive_count: int | None = None, redrive_date: int | None = None) -> None:
        self._s.execute(
            "UPDATE sfn_executions SET state = ?, status = ?, event_count = ?, output = ?, error = ?, cause = ?,"
            " stop_date = ?, redrive_count = COALESCE(?, redrive_count), redrive_date = COALESCE(?, redrive_date)"
            " WHERE arn = ?",
            (state, status, event_count, output, error, cause, stop_date, redrive_count, redrive_date, arn))

    def executions(self, machine_arn: str, *, status: str | None, version_arn: str | None = None,
                   alias_arn: str | None = None, after: tuple[int, str] | None, limit: int
                   ) -> builtins.list[ExecutionRecord]:
        """Newest first (start date, then ARN), from after the key ``after``."""
        sql = f"SELECT {_EXECUTION} FROM sfn_executions WHERE machine_arn = ?"
        params: list[Any] = [machine_arn]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        if version_arn is not None:
            sql += " AND version_arn = ?"
            params.append(version_arn)
        if alias_arn is not None:
            sql += " AND alias_arn = ?"
            params.append(alias_arn)
        if after is not None:
            sql += " AND (start_date < ? OR (start_date = ? AND arn < ?))"
            params.extend([after[0], after[0], after[1]])
        sql += " ORDER BY start_date DESC, arn DESC LIMIT ?"
        params.append(limit)
        return [ExecutionRecord.from_row(r) for r in self._s.all(sql, params)]

    def running(self, machine_arn: str) -> int:
        return int(self._s.scalar("SELECT COUNT(*) FROM sfn_executions WHERE machine_arn = ? AND status = 'RUNNING'",
                                  (machine_arn,)))

    # -- history ---------------------------------------------------------------------------
    def append_history(self, execution_arn: str, events: builtins.list[dict[str, Any]]) -> None:
        """The events of one step as one row (keyed by its first event's id): a step
        writes a dozen events, and one insert costs a fraction of a dozen."""
        if events:
            self._s.execute("INSERT INTO sfn_history (execution_arn, id, body) VALUES (?, ?, ?)",
                            (execution_arn, int(events[0]["id"]), orjson.dumps(events).decode()))

    def history(self, execution_arn: str, *, after: int | None, reverse: bool, limit: int
                ) -> builtins.list[dict[str, Any]]:
        """Up to ``limit`` events after (or, ``reverse``, before) the event id ``after``.
        A row holds a step's events (a list), or one event (rows written before)."""
        params: list[Any] = [execution_arn]
        if reverse:
            sql = "SELECT body FROM sfn_history WHERE execution_arn = ?"
            if after is not None:
                sql += " AND id < ?"  # a row starting before ``after`` has at least one event to show
                params.append(after)
            rows = self._s.all(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
        else:
            sql = "SELECT body FROM sfn_history WHERE execution_arn = ?"
            if after is not None:
                # the row holding the event right after ``after`` may start at or before it
                sql += (" AND id >= COALESCE((SELECT MAX(id) FROM sfn_history WHERE execution_arn = ? AND id <= ?),"
                        " 0)")
                params += [execution_arn, after + 1]
            rows = self._s.all(sql + " ORDER BY id LIMIT ?", [*params, limit + 1])
        found: builtins.list[dict[str, Any]] = []
        for (body,) in rows:
            value = orjson.loads(body)
            events = value if isinstance(value, list) else [value]
            for event in (reversed(events) if reverse else events):
                if after is not None and (event["id"] >= after if reverse else event["id"] <= after):
                    continue
                found.append(event)
                if len(found) == limit:
                    return found
        return found

    # -- map runs: a distributed Map's children (the body is the service's JSON) -------------
    def insert_map_run(self, arn: str, execution_arn: str, body: dict[str, Any], start_date: int) -> None:
        self._s.execute("INSERT INTO sfn_map_runs (arn, execution_arn, body, start_date) VALUES (?, ?, ?, ?)",
                        (arn, execution_arn, orjson.dumps(body).decode(), start_date))

    def map_run(self, arn: str, *, lock: bool = False) -> dict[str, Any] | None:
        """The map run's body; with ``lock``, its row held until the unit ends."""
        held = " FOR UPDATE" if lock and self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT body FROM sfn_map_runs WHERE arn = ?{held}", (arn,))
        return None if row is None else dict(orjson.loads(row[0]))

    def save_map_run(self, arn: str, body: dict[str, Any]) -> None:
        self._s.execute("UPDATE sfn_map_runs SET body = ? WHERE arn = ?", (orjson.dumps(body).decode(), arn))

    def map_runs(self, execution_arn: str) -> builtins.list[tuple[str, dict[str, Any]]]:
        rows = self._s.all("SELECT arn, body FROM sfn_map_runs WHERE execution_arn = ? ORDER BY start_date, arn",
                           (execution_arn,))
        return [(str(r[0]), dict(orjson.loads(r[1]))) for r in rows]

    # -- the inbox: events for an execution, applied in order by its driver ----------------
    def post(self, execution_arn: str, event: dict[str, Any]) -> None:
        self._s.execute("INSERT INTO sfn_inbox (execution_arn, body) VALUES (?, ?)",
                        (execution_arn, orjson.dumps(event).decode()))

    def take_inbox(self, execution_arn: str, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """The oldest waiting events, removed (within the caller's unit of work)."""
        rows = self._s.all("SELECT id, body FROM sfn_inbox WHERE execution_arn = ? ORDER BY id LIMIT ?",
                           (execution_arn, limit))
        if rows:
            self._s.execute("DELETE FROM sfn_inbox WHERE execution_arn = ? AND id <= ?", (execution_arn, rows[-1][0]))
        return [orjson.loads(r[1]) for r in rows]

    # -- task tokens and activity tasks ------------------------------------------------------
    def add_task(self, t: TaskRecord) -> None:
        self._s.execute(
            f"INSERT INTO sfn_tasks ({_TASK}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO UPDATE SET"
            " status = excluded.status, input = excluded.input, worker_name = NULL",
            (t.token, t.execution_arn, t.task_id, t.activity_arn, t.input, t.status, t.worker_name, t.created_at))

    def task(self, token: str) -> TaskRecord | None:
        row = self._s.one(f"SELECT {_TASK} FROM sfn_tasks WHERE token = ?", (token,))
        return None if row is None else TaskRecord.from_row(row)

    def task_of(self, execution_arn: str, task_id: str) -> TaskRecord | None:
        row = self._s.one(f"SELECT {_TASK} FROM sfn_tasks WHERE execution_arn = ? AND task_id = ?",
                          (execution_arn, task_id))
        return None if row is None else TaskRecord.from_row(row)

    def open_tasks_of(self, execution_arn: str, limit: int = 100) -> builtins.list[TaskRecord]:
        """The tokens an execution waits on (callbacks, activities), oldest first (the console)."""
        rows = self._s.all(f"SELECT {_TASK} FROM sfn_tasks WHERE execution_arn = ? AND status <> 'CLOSED'"
                           " ORDER BY created_at, token LIMIT ?", (execution_arn, limit))
        return [TaskRecord.from_row(row) for row in rows if not str(row[0]).startswith("child:")]

    def close_task(self, token: str) -> None:
        self._s.execute("UPDATE sfn_tasks SET status = 'CLOSED' WHERE token = ?", (token,))

    def close_tasks_of(self, execution_arn: str) -> None:
        self._s.execute("UPDATE sfn_tasks SET status = 'CLOSED' WHERE execution_arn = ?", (execution_arn,))

    def take_activity_task(self, activity_arn: str, worker_name: str | None) -> TaskRecord | None:
        """The oldest waiting task of the activity, now STARTED by ``worker_name``."""
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        row = self._s.one(f"SELECT {_TASK} FROM sfn_tasks WHERE activity_arn = ? AND status = 'WAITING'"
                          f" ORDER BY created_at, token LIMIT 1{skip}", (activity_arn,))
        if row is None:
            return None
        self._s.execute("UPDATE sfn_tasks SET status = 'STARTED', worker_name = ? WHERE token = ?",
                        (worker_name, row[0]))
        return TaskRecord.from_row(row)

    def forget_tasks_of(self, execution_arn: str) -> None:
        self._s.execute("DELETE FROM sfn_tasks WHERE execution_arn = ?", (execution_arn,))

    # -- activities ----------------------------------------------------------------------
    def insert_activity(self, a: ActivityRecord) -> None:
        self._s.execute("INSERT INTO sfn_activities (arn, account_id, region, name, created_at) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT (arn) DO NOTHING", (a.arn, a.account_id, a.region, a.name, a.created_at))

    def activity(self, arn: str) -> ActivityRecord | None:
        row = self._s.one("SELECT arn, account_id, region, name, created_at FROM sfn_activities WHERE arn = ?", (arn,))
        return None if row is None else ActivityRecord(row[0], row[1], row[2], row[3], int(row[4]))

    def activities(self, account_id: str, region: str, *, after: str | None, limit: int
                   ) -> builtins.list[ActivityRecord]:
        sql = "SELECT arn, account_id, region, name, created_at FROM sfn_activities WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [ActivityRecord(r[0], r[1], r[2], r[3], int(r[4])) for r in self._s.all(sql, params)]

    def delete_activity(self, arn: str) -> bool:
        return bool(self._s.execute("DELETE FROM sfn_activities WHERE arn = ?", (arn,)).rowcount == 1)
