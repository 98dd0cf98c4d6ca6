"""Schedule expressions of scheduled rules: a seam over ``core.schedules``."""

from __future__ import annotations

from datetime import datetime, timezone

from eventyard.core.schedules import next_fire, parse_schedule_expression
from eventyard.store.event_rules import RuleRecord


def validate(expression: str) -> None:
    parse_schedule_expression(expression)


def as_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def next_fire_ms(rule: RuleRecord, after_ms: int) -> int | None:
    """When a scheduled rule fires next after ``after_ms``, or ``None`` (no schedule, or a
    cron whose years are over). A rate counts from the rule's creation."""
    if rule.schedule_expression is None:
        return None
    schedule = parse_schedule_expression(rule.schedule_expression)
    found = next_fire(schedule, as_datetime(after_ms), start=as_datetime(rule.created_at))
    return None if found is None else int(found.timestamp() * 1000)
