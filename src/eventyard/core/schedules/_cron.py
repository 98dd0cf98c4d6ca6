"""EventBridge ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: parse and evaluate.

EventBridge's cron is Quartz's dialect without the seconds field and with a year
field: ``,`` ``-`` ``*`` ``/`` everywhere, ``?`` in exactly one of the two day
fields, ``L``/``W``/``LW`` in day-of-month, ``L``/``nL``/``n#k`` in day-of-week,
day-of-week ``1``-``7`` with ``1`` = Sunday, names ``JAN``-``DEC`` and ``SUN``-``SAT``,
years 1970-2199, everything in UTC.

We evaluate it ourselves rather than through croniter: croniter 7.0.0, tried on
these expressions, reads a sixth field as seconds (``2024`` is "out of range"),
rejects ``5L`` and ``LW``, numbers weekdays from ``0`` = Sunday (so ``3#2`` picks
Wednesdays), and failed ("failed to find next date") on its seven-field form with a
year. An adapter would have to rewrite every field and still re-validate; the
evaluator below is smaller than that adapter.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

YEAR_MIN = 1970
YEAR_MAX = 2199

_MONTHS = {name: i for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
# EventBridge numbers weekdays 1..7 from Sunday.
_WEEKDAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


class CronSyntaxError(ValueError):
    """The expression is not EventBridge cron; the service maps this to its own message."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_MINUTE = _Field("minutes", 0, 59)
_HOUR = _Field("hours", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _WEEKDAYS)
_YEAR = _Field("year", YEAR_MIN, YEAR_MAX)

_NUMBER = re.compile(r"[0-9]+\Z")
_WORD = re.compile(r"[A-Z]+\Z")


# ---- day rules: which days of a given month a day field selects -------------------------

@dataclass(frozen=True, slots=True)
class DaysOfMonth:
    """Explicit days; a day past the month's end simply never happens that month."""

    days: frozenset[int]

    def select(self, year: int, month: int) -> list[int]:
        last = calendar.monthrange(year, month)[1]
        return sorted(d for d in self.days if d <= last)


@dataclass(frozen=True, slots=True)
class LastDayOfMonth:
    """``L``: the month's last day; ``LW``: its last weekday (Monday-Friday)."""

    weekday_only: bool = False

    def select(self, year: int, month: int) -> list[int]:
        last = calendar.monthrange(year, month)[1]
        if self.weekday_only:
            while _weekday(year, month, last) in (1, 7):
                last -= 1
        return [last]


@dataclass(frozen=True, slots=True)
class NearestWeekday:
    """``nW``: the weekday nearest day ``n``, never leaving the month (Quartz's rule)."""

    day: int

    def select(self, year: int, month: int) -> list[int]:
        last = calendar.monthrange(year, month)[1]
        if self.day > last:
            return []
        wd = _weekday(year, month, self.day)
        if wd == 7:  # Saturday: Friday before, or Monday after when the 1st
            return [self.day - 1] if self.day > 1 else [self.day + 2]
        if wd == 1:  # Sunday: Monday after, or Friday before when the last day
            return [self.day + 1] if self.day < last else [self.day - 2]
        return [self.day]


@dataclass(frozen=True, slots=True)
class Weekdays:
    """Explicit weekdays (1 = Sunday)."""

    weekdays: frozenset[int]

    def select(self, year: int, month: int) -> list[int]:
        last = calendar.monthrange(year, month)[1]
        return [d for d in range(1, last + 1) if _weekday(year, month, d) in self.weekdays]


@dataclass(frozen=True, slots=True)
class LastWeekdayOfMonth:
    """``nL``: the last weekday ``n`` of the month (``6L`` = last Friday)."""

    weekday: int

    def select(self, year: int, month: int) -> list[int]:
        last = calendar.monthrange(year, month)[1]
        day = last - (_weekday(year, month, last) - self.weekday) % 7
        return [day]


@dataclass(frozen=True, slots=True)
class NthWeekdayOfMonth:
    """``n#k``: the k-th weekday ``n`` of the month (``3#2`` = second Tuesday); may not exist."""

    weekday: int
    nth: int

    def select(self, year: int, month: int) -> list[int]:
        first = 1 + (self.weekday - _weekday(year, month, 1)) % 7
        day = first + 7 * (self.nth - 1)
        return [day] if day <= calendar.monthrange(year, month)[1] else []


DayRule = DaysOfMonth | LastDayOfMonth | NearestWeekday | Weekdays | LastWeekdayOfMonth | NthWeekdayOfMonth


def _weekday(year: int, month: int, day: int) -> int:
    """EventBridge numbering: 1 = Sunday ... 7 = Saturday."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


# ---- the parsed expression ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cron:
    """A valid ``cron(...)`` expression, its fields resolved to sets and a day rule."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    years: tuple[int, ...]
    days: DayRule

    def next_after(self, after: datetime) -> datetime | None:
        """The first firing strictly after ``after`` (UTC, whole minutes); ``None`` past the last year."""
        after = _utc(after)
        # The earliest instant that can fire: the next whole minute.
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for year in self.years:
            if year < start.year:
                continue
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                same_month = (year, month) == (start.year, start.month)
                for day in self.days.select(year, month):
                    if same_month and day < start.day:
                        continue
                    same_day = same_month and day == start.day
                    for hour in self.hours:
                        if same_day and hour < start.hour:
                            continue
                        same_hour = same_day and hour == start.hour
                        for minute in self.minutes:
                            if same_hour and minute < start.minute:
                                continue
                            return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
        return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_cron(text: str) -> Cron:
    """Parse ``cron(...)``; raises ``CronSyntaxError`` saying what is wrong (for logs and tests)."""
    if not (text.startswith("cron(") and text.endswith(")")):
        raise CronSyntaxError("not of the form cron(...)")
    # Single spaces between six fields: EventBridge refuses padding inside rate(), and we
    # assume the same strictness here.
    fields = text[5:-1].split(" ")
    if len(fields) != 6 or any(not f for f in fields):
        raise CronSyntaxError("a cron expression has exactly six fields separated by single spaces")
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)

    if (dom == "?") == (dow == "?"):
        raise CronSyntaxError("exactly one of day-of-month and day-of-week must be '?'")
    days: DayRule = _day_of_week(dow) if dom == "?" else _day_of_month(dom)
    return Cron(
        text=text,
        minutes=_sorted(_values(minute, _MINUTE)),
        hours=_sorted(_values(hour, _HOUR)),
        months=_sorted(_values(month, _MONTH)),
        years=_sorted(_values(year, _YEAR)),
        days=days,
    )


def _sorted(values: set[int]) -> tuple[int, ...]:
    return tuple(sorted(values))


def _day_of_month(text: str) -> DayRule:
    if text == "L":
        return LastDayOfMonth()
    if text == "LW":
        return LastDayOfMonth(weekday_only=True)
    if text.endswith("W"):
        # W takes one day, not a list or range (Quartz's rule).
        return NearestWeekday(_number(text[:-1], _DAY_OF_MONTH))
    return DaysOfMonth(frozenset(_values(text, _DAY_OF_MONTH)))


def _day_of_week(text: str) -> DayRule:
    if text == "L":  # the last day of the week: Saturday
        return Weekdays(frozenset({7}))
    if text.endswith("L"):
        return LastWeekdayOfMonth(_number(text[:-1], _DAY_OF_WEEK))
    if "#" in text:
        weekday, _, nth = text.partition("#")
        if not _NUMBER.match(nth) or not 1 <= int(nth) <= 5:
            raise CronSyntaxError(f"day-of-week: '#' takes an occurrence 1-5, got {nth!r}")
        return NthWeekdayOfMonth(_number(weekday, _DAY_OF_WEEK), int(nth))
    return Weekdays(frozenset(_values(text, _DAY_OF_WEEK)))


def _values(text: str, field: _Field) -> set[int]:
    """A list of ``*``, ``n``, ``a-b``, each optionally ``/step``; ranges may wrap (``FRI-MON``)."""
    out: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not _NUMBER.match(step_text):
                raise CronSyntaxError(f"{field.name}: bad increment {step_text!r}")
            step = int(step_text)
            # Quartz refuses an increment larger than the field's top value (so */60 minutes).
            if not 1 <= step <= field.high - (field.low if field is _YEAR else 0):
                raise CronSyntaxError(f"{field.name}: increment {step} out of range")
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            a, _, b = base.partition("-")
            low, high = _number(a, field), _number(b, field)
        else:
            low = _number(base, field)
            # "n/step" runs from n to the end of the range; a lone "n" is just n.
            high = field.high if slash else low
        out.update(_walk(low, high, step, field))
    return out


def _walk(low: int, high: int, step: int, field: _Field) -> list[int]:
    if low <= high:
        return list(range(low, high + 1, step))
    # A wrapping range, e.g. 22-2 hours or SAT-MON: continue past the top back to the bottom.
    span = field.high - field.low + 1
    count = high - low + span
    return [field.low + (low - field.low + k) % span for k in range(0, count + 1, step)]


def _number(text: str, field: _Field) -> int:
    if field.names and _WORD.match(text) and text in field.names:
        return field.names[text]
    if not _NUMBER.match(text):
        raise CronSyntaxError(f"{field.name}: {text!r} is not a value")
    value = int(text)
    if not field.low <= value <= field.high:
        raise CronSyntaxError(f"{field.name}: {value} outside {field.low}-{field.high}")
    return value
