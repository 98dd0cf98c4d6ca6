"""EventBridge rules and targets, and each bus's rules version."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session

_COLUMNS = (
    "account_id, region, bus, name, arn, event_pattern, schedule_expression, state, description,"
    " role_arn, managed_by, created_by, created_at"
)


@dataclass(frozen=True)
class RuleRecord:
    account_id: str
    region: str
    bus: str
    name: str
    arn: str
    event_pattern: str | None
    schedule_expression: str | None
    state: str  # ENABLED | DISABLED | ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    description: str | None
    role_arn: str | None
    managed_by: str | None
    created_by: str
    created_at: int  # epoch ms

    @property
    def enabled(self) -> bool:
        return self.state != "DISABLED"


@dataclass(frozen=True)
class TargetRecord:
    rule_arn: str
    target_id: str
    target_arn: str
    spec: dict[str, Any]  # the Target as PutTargets took it
    position: int


class EventRules:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- rules -------------------------------------------------------------------
    def get(self, account_id: str, region: str, bus: str, name: str) -> RuleRecord | None:
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM event_rules WHERE account_id = ? AND region = ? AND bus = ? AND name = ?",
            (account_id, region, bus, name),
        )
        return RuleRecord(*row) if row else None

    def put(self, rule: RuleRecord) -> None:
        """Insert or replace ``rule`` (PutRule updates in place, keeping its creation time)."""
        self._s.execute(
            f"INSERT INTO event_rules ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, region, bus, name) DO UPDATE SET event_pattern = excluded.event_pattern,"
            " schedule_expression = excluded.schedule_expression, state = excluded.state,"
            " description = excluded.description, role_arn = excluded.role_arn",
            (
                rule.account_id, rule.region, rule.bus, rule.name, rule.arn, rule.event_pattern,
                rule.schedule_expression, rule.state, rule.description, rule.role_arn, rule.managed_by,
                rule.created_by, rule.created_at,
            ),
        )

    def set_state(self, arn: str, state: str) -> None:
        self._s.execute("UPDATE event_rules SET state = ? WHERE arn = ?", (state, arn))

    def delete(self, arn: str) -> None:
        self._s.execute("DELETE FROM event_targets WHERE rule_arn = ?", (arn,))
        self._s.execute("DELETE FROM event_rules WHERE arn = ?", (arn,))

    def list(self, account_id: str, region: str, bus: str, *, prefix: str | None, after: str | None,
             limit: int) -> list[RuleRecord]:
        sql, params = key_page(
            f"SELECT {_COLUMNS} FROM event_rules WHERE account_id = ? AND region = ? AND bus = ?",
            [account_id, region, bus], prefix=prefix, after=after, limit=limit,
        )
        return [RuleRecord(*row) for row in self._s.all(sql, params)]

    def count(self, account_id: str, region: str, bus: str) -> int:
        return int(self._s.scalar(
            "SELECT COUNT(*) FROM event_rules WHERE account_id = ? AND region = ? AND bus = ?",
            (account_id, region, bus),
        ))

    def all_of_bus(self, account_id: str, region: str, bus: str) -> builtins.list[RuleRecord]:
        return [RuleRecord(*row) for row in self._s.all(
            f"SELECT {_COLUMNS} FROM event_rules WHERE account_id = ? AND region = ? AND bus = ?",
            (account_id, region, bus),
        )]

    def scheduled(self) -> builtins.list[RuleRecord]:
        """Every rule with a schedule, in every account and region (the scheduler's view)."""
        return [RuleRecord(*row) for row in self._s.all(
            f"SELECT {_COLUMNS} FROM event_rules WHERE schedule_expression IS NOT NULL"
        )]

    # -- schedules -------------------------------------------------------------------
    def set_next_fire(self, arn: str, at: int | None) -> None:
        self._s.execute("UPDATE event_rules SET next_fire_at = ? WHERE arn = ?", (at, arn))

    def next_fire(self, arn: str) -> int | None:
        """When a scheduled rule fires next (epoch ms), as the scheduler planned it."""
        found = self._s.scalar("SELECT next_fire_at FROM event_rules WHERE arn = ?", (arn,))
        return None if found is None else int(found)

    def due_schedules(self, now: int, limit: int) -> builtins.list[tuple[RuleRecord, int]]:
        """Scheduled rules whose next firing is due, with that firing's time; on PostgreSQL
        locked so that another node's scheduler passes them by."""
        skip = " FOR UPDATE SKIP LOCKED" if self._s.dialect == "postgres" else ""
        rows = self._s.all(
            f"SELECT {_COLUMNS}, next_fire_at FROM event_rules WHERE next_fire_at <= ?"
            f" ORDER BY next_fire_at LIMIT ?{skip}", (now, limit),
        )
        return [(RuleRecord(*row[:-1]), int(row[-1])) for row in rows]

    def delete_bus(self, account_id: str, region: str, bus: str) -> None:
        self._s.execute(
            "DELETE FROM event_targets WHERE rule_arn IN (SELECT arn FROM event_rules"
            " WHERE account_id = ? AND region = ? AND bus = ?)", (account_id, region, bus),
        )
        self._s.execute(
            "DELETE FROM event_rules WHERE account_id = ? AND region = ? AND bus = ?", (account_id, region, bus),
        )

    # -- rules version -------------------------------------------------------------
    def bump_version(self, account_id: str, region: str, bus: str) -> None:
        """Mark the bus's compiled matcher stale on every node."""
        self._s.execute(
            "UPDATE event_buses SET rules_version = rules_version + 1 WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, bus),
        )

    def version(self, account_id: str, region: str, bus: str) -> tuple[int, int] | None:
        """The bus's rules version, (bus created at, changes to its rules): a bus deleted and
        made again under the same name starts a new version line. ``None`` when the bus
        does not exist."""
        row = self._s.one(
            "SELECT created_at, rules_version FROM event_buses WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, bus),
        )
        return None if row is None else (int(row[0]), int(row[1]))

    # -- targets -------------------------------------------------------------------
    def targets(self, rule_arn: str) -> builtins.list[TargetRecord]:
        rows = self._s.all(
            "SELECT rule_arn, target_id, target_arn, spec, position FROM event_targets WHERE rule_arn = ?"
            " ORDER BY position", (rule_arn,),
        )
        return [TargetRecord(r[0], r[1], r[2], orjson.loads(r[3]), int(r[4])) for r in rows]

    def targets_of_bus(self, account_id: str, region: str, bus: str) -> builtins.list[TargetRecord]:
        rows = self._s.all(
            "SELECT t.rule_arn, t.target_id, t.target_arn, t.spec, t.position FROM event_targets t"
            " JOIN event_rules r ON r.arn = t.rule_arn WHERE r.account_id = ? AND r.region = ? AND r.bus = ?",
            (account_id, region, bus),
        )
        return [TargetRecord(r[0], r[1], r[2], orjson.loads(r[3]), int(r[4])) for r in rows]

    def put_targets(self, rule_arn: str, specs: Sequence[dict[str, Any]]) -> None:
        """Insert or replace targets by id; a replaced target keeps its position."""
        start = int(self._s.scalar("SELECT COALESCE(MAX(position), 0) FROM event_targets WHERE rule_arn = ?",
                                   (rule_arn,)))
        for i, spec in enumerate(specs, start=start + 1):
            self._s.execute(
                "INSERT INTO event_targets (rule_arn, target_id, target_arn, spec, position) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (rule_arn, target_id) DO UPDATE SET target_arn = excluded.target_arn,"
                " spec = excluded.spec",
                (rule_arn, spec["Id"], spec["Arn"], orjson.dumps(spec).decode(), i),
            )

    def remove_targets(self, rule_arn: str, ids: Sequence[str]) -> None:
        for target_id in ids:
            self._s.execute("DELETE FROM event_targets WHERE rule_arn = ? AND target_id = ?", (rule_arn, target_id))

    def rules_by_target(self, account_id: str, region: str, bus: str, target_arn: str, *, after: str | None,
                        limit: int) -> builtins.list[str]:
        sql = ("SELECT DISTINCT r.name FROM event_targets t JOIN event_rules r ON r.arn = t.rule_arn"
               " WHERE t.target_arn = ? AND r.account_id = ? AND r.region = ? AND r.bus = ?")
        params: list[Any] = [target_arn, account_id, region, bus]
        if after is not None:
            sql += " AND r.name > ?"
            params.append(after)
        sql += " ORDER BY r.name LIMIT ?"
        params.append(limit)
        return [row[0] for row in self._s.all(sql, params)]
