"""EventBridge ``ScheduleExpression``: ``rate(...)`` and ``cron(...)``, validated and evaluated.

    parse_schedule_expression(text) -> Rate | Cron     raises ServiceError on PutRule input
    next_fire(schedule, after, start=...) -> datetime | None
    scheduled_event(rule_arn=..., account=..., region=..., tick=...) -> dict

All times are UTC. ``next_fire`` is strictly after ``after``. A ``cron`` fires on whole
minutes and returns ``None`` once its years are exhausted; a ``rate`` fires every
interval counted from ``start`` (the rule's creation), first one interval after it.

Errors (PutRule), as AWS words them:

    ServiceError("ValidationException", "Parameter ScheduleExpression is not valid.")
    ValidationError  longer than 256 characters (Coral's length message on scheduleExpression)
"""

from __future__ import annotations

from datetime import datetime

from eventyard.core.errors import ServiceError, ValidationError, Violation
from eventyard.core.schedules._cron import (
    YEAR_MAX,
    YEAR_MIN,
    Cron,
    CronSyntaxError,
    parse_cron,
)
from eventyard.core.schedules._rate import Rate, RateSyntaxError, parse_rate
from eventyard.core.schedules.event import scheduled_event

__all__ = [
    "SCHEDULE_EXPRESSION_MAX_LENGTH",
    "YEAR_MAX",
    "YEAR_MIN",
    "Cron",
    "Rate",
    "Schedule",
    "invalid_schedule_expression",
    "next_fire",
    "parse_schedule_expression",
    "scheduled_event",
]

SCHEDULE_EXPRESSION_MAX_LENGTH = 256

Schedule = Rate | Cron


def invalid_schedule_expression() -> ServiceError:
    """AWS gives no reason, whatever is wrong (recorded for rate and cron alike)."""
    return ServiceError("ValidationException", "Parameter ScheduleExpression is not valid.")


def parse_schedule_expression(text: str) -> Schedule:
    """Validate a PutRule ``ScheduleExpression``; raise AWS's error when it is not one."""
    if len(text) > SCHEDULE_EXPRESSION_MAX_LENGTH:
        constraint = f"Member must have length less than or equal to {SCHEDULE_EXPRESSION_MAX_LENGTH}"
        raise ValidationError([Violation("scheduleExpression", text, constraint, "length")])
    try:
        if text.startswith("rate("):
            return parse_rate(text)
        return parse_cron(text)
    except (RateSyntaxError, CronSyntaxError) as e:
        raise invalid_schedule_expression() from e


def next_fire(schedule: Schedule | str, after: datetime, *, start: datetime | None = None) -> datetime | None:
    """The first firing strictly after ``after``; ``start`` (rule creation) is required for a rate."""
    if isinstance(schedule, str):
        schedule = parse_schedule_expression(schedule)
    if isinstance(schedule, Rate):
        if start is None:
            raise ValueError("a rate schedule fires relative to its start; pass start=")
        return schedule.next_after(after, start)
    return schedule.next_after(after)
