"""ScheduleExpression: validation table, next firings, and a brute-force reference property."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.errors import ServiceError, ValidationError
from eventyard.core.schedules import Cron, Rate, next_fire, parse_schedule_expression, scheduled_event

UTC = timezone.utc


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ---- validation -------------------------------------------------------------------------

VALID = [
    "rate(1 minute)",
    "rate(2 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    # LocalStack's list, accepted by AWS's PutRule
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 20-23 ? * MON-FRI *)",
    "cron(0/30 0-2 ? * MON-FRI *)",
    # the AWS user guide's examples
    "cron(0 12 * * ? *)",
    "cron(15 10 ? * 6L 2019-2022)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 15W * ? *)",
    "cron(5,35 14 * * ? *)",
    "cron(0 0 1 JAN,JUL ? 2030)",
    "cron(*/59 * * * ? *)",
    "cron(0 22-2 ? * SAT-MON *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * sun *)",
    "cron(0 0 1/5 * ? *)",
    "cron(0 0 ? * * 1970)",
    "cron(0 0 ? * * 2199)",
]

INVALID = [
    # recorded against AWS (LocalStack's validated list)
    "rate(10 seconds)",
    "rate(10 years)",
    "rate(1 minutes)",
    "rate(1 hours)",
    "rate(1 days)",
    "rate(10 minute)",
    "rate(10 hour)",
    "rate(10 day)",
    "rate()",
    "rate(10)",
    "rate(10 minutess)",
    "rate(foo minutes)",
    "rate(0 minutes)",
    "rate(-10 minutes)",
    "rate(10 MINUTES)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
    # reported from AWS in the wild
    "rate(3 minute)",
    "cron(*/60 * * * ? *)",
    "cron(15 12 ? * -1 *)",
    "cron(*/1 * * * *)",  # five fields
    "cron(15 * * * ? )",
    # the docs' rules
    "cron(0 0 * * * *)",  # no '?'
    "cron(0 0 ? * ? *)",  # '?' in both
    "cron(0 0 1 * 2 *)",  # a value in both
    "cron(60 0 * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 0 0 * ? *)",
    "cron(0 0 32 * ? *)",
    "cron(0 0 * 13 ? *)",
    "cron(0 0 ? * 8 *)",
    "cron(0 0 ? * 0 *)",
    "cron(0 0 * * ? 1969)",
    "cron(0 0 * * ? 2200)",
    "cron(0 0 ? * 3#6 *)",
    "cron(0 0 ? * 3#0 *)",
    "cron(0 0 ? * 8#1 *)",
    "cron(0 0 3#2 * ? *)",  # '#' outside day-of-week
    "cron(0 0 ? * 1W *)",  # 'W' outside day-of-month
    "cron(0 0 1,15W * ? *)",  # W takes one day
    "cron(L 0 * * ? *)",
    "cron(0 ? * * ? *)",
    "cron(0 0 * FOO ? *)",
    "cron(0 0 ? * MON-FOO *)",
    "cron(0/0 0 * * ? *)",
    "cron(0/x 0 * * ? *)",
    "cron(0  0 * * ? *)",  # two spaces
    "cron( 0 0 * * ? *)",
    "cron(0 0 * * ? *",
    "CRON(0 0 * * ? *)",
    "at(2024-01-01T00:00:00)",  # EventBridge Scheduler's form, not PutRule's
    "",
    "cron()",
    "cron(0 0 * * ? * *)",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_expressions_parse(text: str) -> None:
    schedule = parse_schedule_expression(text)
    assert isinstance(schedule, Rate if text.startswith("rate") else Cron)
    assert schedule.text == text


@pytest.mark.parametrize("text", INVALID)
def test_invalid_expressions_get_aws_error(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_schedule_expression(text)
    assert caught.value.code == "ValidationException"
    assert caught.value.message == "Parameter ScheduleExpression is not valid."


def test_too_long_expression_gets_coral_length_error() -> None:
    text = "cron(0 0 " + "1," * 130 + "1 * ? *)"
    with pytest.raises(ValidationError) as caught:
        parse_schedule_expression(text)
    assert caught.value.code == "ValidationException"
    assert caught.value.message.endswith(
        "at 'scheduleExpression' failed to satisfy constraint: Member must have length less than or equal to 256"
    )


# ---- next firings -----------------------------------------------------------------------

NEXT = [
    # (expression, after, the next three firings)
    ("cron(0 10 * * ? *)", at(2024, 1, 1, 10, 0), [at(2024, 1, 2, 10), at(2024, 1, 3, 10), at(2024, 1, 4, 10)]),
    ("cron(0 10 * * ? *)", at(2024, 1, 1, 9, 59, 59, 999), [at(2024, 1, 1, 10), at(2024, 1, 2, 10), at(2024, 1, 3, 10)]),
    ("cron(0/20 * * * ? *)", at(2024, 12, 31, 23, 30), [at(2024, 12, 31, 23, 40), at(2025, 1, 1, 0, 0), at(2025, 1, 1, 0, 20)]),
    # last day of month across a leap February
    ("cron(30 6 L * ? *)", at(2024, 1, 31, 7), [at(2024, 2, 29, 6, 30), at(2024, 3, 31, 6, 30), at(2024, 4, 30, 6, 30)]),
    ("cron(30 6 L 2 ? *)", at(2023, 1, 1), [at(2023, 2, 28, 6, 30), at(2024, 2, 29, 6, 30), at(2025, 2, 28, 6, 30)]),
    # last weekday: 2024-03-31 is a Sunday, 2024-08-31 a Saturday
    ("cron(0 0 LW 3,8,9 ? 2024)", at(2024, 1, 1), [at(2024, 3, 29), at(2024, 8, 30), at(2024, 9, 30)]),
    # nearest weekday: the 15th of June 2024 is a Saturday, of Sept a Sunday; 1 Jun 2024 is a Saturday
    ("cron(0 0 15W 6,9 ? 2024)", at(2024, 1, 1), [at(2024, 6, 14), at(2024, 9, 16), None]),
    ("cron(0 0 1W 6 ? 2024-2025)", at(2024, 1, 1), [at(2024, 6, 3), at(2025, 6, 2), None]),
    # 31W: 2024-08-31 is a Saturday, 2025-08-31 a Sunday (never leaves the month)
    ("cron(0 0 31W 8 ? 2024-2025)", at(2024, 1, 1), [at(2024, 8, 30), at(2025, 8, 29), None]),
    # 31 only in months that have one
    ("cron(0 0 31 * ? *)", at(2024, 1, 31), [at(2024, 3, 31), at(2024, 5, 31), at(2024, 7, 31)]),
    # 3#2 = second Tuesday (1 = Sunday)
    ("cron(0 9 ? * 3#2 *)", at(2024, 1, 1), [at(2024, 1, 9, 9), at(2024, 2, 13, 9), at(2024, 3, 12, 9)]),
    # a fifth Friday exists only in some months
    ("cron(0 9 ? * FRI#5 2024)", at(2024, 1, 1), [at(2024, 3, 29, 9), at(2024, 5, 31, 9), at(2024, 8, 30, 9)]),
    # 6L = last Friday; 5L = last Thursday (1 = Sunday)
    ("cron(15 10 ? * 6L 2019-2022)", at(2022, 11, 30), [at(2022, 12, 30, 10, 15), None, None]),
    ("cron(0 0 ? * 5L 2024)", at(2024, 1, 1), [at(2024, 1, 25), at(2024, 2, 29), at(2024, 3, 28)]),
    # weekday names, ranges, wrapping ranges
    ("cron(0 18 ? * MON-FRI *)", at(2024, 1, 5, 18), [at(2024, 1, 8, 18), at(2024, 1, 9, 18), at(2024, 1, 10, 18)]),
    ("cron(0 12 ? * SAT-MON *)", at(2024, 1, 2), [at(2024, 1, 6, 12), at(2024, 1, 7, 12), at(2024, 1, 8, 12)]),
    ("cron(0 22-1 ? * 2 *)", at(2024, 1, 1, 0, 30), [at(2024, 1, 1, 1), at(2024, 1, 1, 22), at(2024, 1, 1, 23)]),
    ("cron(0 0 ? * L *)", at(2024, 1, 1), [at(2024, 1, 6), at(2024, 1, 13), at(2024, 1, 20)]),
    # steps on day, month and year
    ("cron(0 0 1/10 * ? *)", at(2024, 2, 21), [at(2024, 3, 1), at(2024, 3, 11), at(2024, 3, 21)]),
    ("cron(0 0 1 */5 ? *)", at(2024, 1, 1), [at(2024, 6, 1), at(2024, 11, 1), at(2025, 1, 1)]),
    ("cron(0 0 1 1 ? 2024/3)", at(2024, 1, 1), [at(2027, 1, 1), at(2030, 1, 1), at(2033, 1, 1)]),
    # years exhausted, impossible dates, the end of the calendar
    ("cron(0 0 1 1 ? 2025)", at(2025, 1, 1), [None, None, None]),
    ("cron(0 0 30 2 ? *)", at(2024, 1, 1), [None, None, None]),
    ("cron(59 23 31 12 ? 2199)", at(2199, 12, 31, 23, 58), [at(2199, 12, 31, 23, 59), None, None]),
]


@pytest.mark.parametrize(("text", "after", "expected"), NEXT, ids=[n[0] + " " + n[1].isoformat() for n in NEXT])
def test_next_firings(text: str, after: datetime, expected: list[datetime | None]) -> None:
    schedule = parse_schedule_expression(text)
    got: list[datetime | None] = []
    moment: datetime | None = after
    for _ in expected:
        moment = next_fire(schedule, moment) if moment is not None else None
        got.append(moment)
    assert got == expected


def test_naive_and_offset_times_are_read_as_utc() -> None:
    schedule = parse_schedule_expression("cron(0 10 * * ? *)")
    plus2 = timezone(timedelta(hours=2))
    assert next_fire(schedule, datetime(2024, 1, 1, 11, 30, tzinfo=plus2)) == at(2024, 1, 1, 10)
    assert next_fire(schedule, datetime(2024, 1, 1, 9, 0)) == at(2024, 1, 1, 10)


def test_rate_fires_every_interval_after_its_start() -> None:
    start = at(2024, 1, 1, 12, 0, 30, 250_000)
    rate = parse_schedule_expression("rate(5 minutes)")
    # before or at the start: the first firing is one interval after the (whole-second) start
    assert next_fire(rate, at(2023, 6, 1), start=start) == at(2024, 1, 1, 12, 5, 30)
    assert next_fire(rate, start, start=start) == at(2024, 1, 1, 12, 5, 30)
    # exactly on a firing: strictly after it
    assert next_fire(rate, at(2024, 1, 1, 12, 5, 30), start=start) == at(2024, 1, 1, 12, 10, 30)
    assert next_fire(rate, at(2024, 1, 1, 12, 7), start=start) == at(2024, 1, 1, 12, 10, 30)
    assert next_fire("rate(1 day)", at(2024, 2, 28, 9), start=at(2024, 2, 1, 8)) == at(2024, 2, 29, 8)
    with pytest.raises(ValueError):
        next_fire(rate, start)


@given(
    value=st.integers(1, 10_000),
    unit=st.sampled_from(["minute", "hour", "day"]),
    start=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
    offset=st.timedeltas(timedelta(days=-30), timedelta(days=3000)),
)
def test_rate_firings_are_on_the_grid_and_the_first_after(value: int, unit: str, start: datetime, offset: timedelta) -> None:
    text = f"rate({value} {unit}{'s' if value > 1 else ''})"
    after = start + offset
    got = next_fire(text, after, start=start)
    assert got is not None
    step = timedelta(seconds=value * {"minute": 60, "hour": 3600, "day": 86400}[unit])
    origin = start.replace(microsecond=0)
    k, remainder = divmod(got - origin, step)
    assert remainder == timedelta(0) and k >= 1
    assert got > after
    assert k == 1 or got - step <= after


def test_scheduled_event_shape() -> None:
    event = scheduled_event(
        rule_arn="arn:aws:events:eu-west-1:000000000000:rule/nightly",
        account="000000000000",
        region="eu-west-1",
        tick=at(2024, 3, 1, 4, 5, 6, 789),
        event_id="id-1",
    )
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event == {
        "version": "0",
        "id": "id-1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": "2024-03-01T04:05:06Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:000000000000:rule/nightly"],
        "detail": {},
    }
    fresh = scheduled_event(rule_arn="a", account="1", region="r", tick=datetime(2024, 1, 1, 0, 0))
    assert fresh["time"] == "2024-01-01T00:00:00Z" and fresh["id"] and fresh["id"] != "id-1"


# ---- property: next_fire against a brute-force reference ----------------------------------
#
# The strategy builds each field's text together with a plain predicate saying what the
# field means, written independently of the parser; a day-by-day, minute-by-minute scan of
# a bounded window with those predicates is the reference.

Pred = Callable[[int], bool]
DayPred = Callable[[date], bool]

NAMES_DOW = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
NAMES_MON = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def aws_weekday(d: date) -> int:
    return {"Sun": 1, "Mon": 2, "Tue": 3, "Wed": 4, "Thu": 5, "Fri": 6, "Sat": 7}[d.strftime("%a")]


def last_day(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


@st.composite
def numeric_field(draw: st.DrawFn, low: int, high: int, names: list[str] | None = None) -> tuple[str, Pred]:
    def show(n: int) -> str:
        if names and draw(st.booleans()):
            return names[n - low]
        return str(n)

    def one_item() -> tuple[str, Pred]:
        kind = draw(st.sampled_from(["star", "value", "range", "step", "starstep", "rangestep"]))
        a = draw(st.integers(low, high))
        b = draw(st.integers(low, high))
        s = draw(st.integers(1, max(1, min(high, 20))))
        span = high - low + 1
        if kind == "star":
            return "*", lambda v: True
        if kind == "value":
            return show(a), lambda v: v == a
        # members of a (possibly wrapping) range a..b, stepping s from a
        offsets = lambda v: (v - a) % span  # noqa: E731
        width = (b - a) % span
        if kind == "range":
            return f"{show(a)}-{show(b)}", lambda v: offsets(v) <= width
        if kind == "rangestep":
            return f"{show(a)}-{show(b)}/{s}", lambda v: offsets(v) <= width and offsets(v) % s == 0
        if kind == "step":
            return f"{show(a)}/{s}", lambda v: v >= a and (v - a) % s == 0
        return f"*/{s}", lambda v: (v - low) % s == 0

    items = [one_item() for _ in range(draw(st.integers(1, 3)))]
    text = ",".join(t for t, _ in items)
    preds = [p for _, p in items]
    return text, lambda v: any(p(v) for p in preds)


@st.composite
def day_fields(draw: st.DrawFn) -> tuple[str, str, DayPred]:
    kind = draw(st.sampled_from(["dom", "L", "LW", "W", "dow", "nL", "hash", "dowL"]))
    if kind == "dom":
        text, pred = draw(numeric_field(1, 31))
        return text, "?", lambda d: pred(d.day)
    if kind == "L":
        return "L", "?", lambda d: d.day == last_day(d)
    if kind == "LW":
        return "LW", "?", lambda d: aws_weekday(d) not in (1, 7) and all(
            aws_weekday(d.replace(day=x)) in (1, 7) for x in range(d.day + 1, last_day(d) + 1)
        )
    if kind == "W":
        n = draw(st.one_of(st.sampled_from([1, 2, 29, 30, 31]), st.integers(1, 31)))

        def nearest(d: date) -> bool:
            if n > last_day(d) or aws_weekday(d) in (1, 7):
                return False
            weekdays = [x for x in range(1, last_day(d) + 1) if aws_weekday(d.replace(day=x)) not in (1, 7)]
            return min(weekdays, key=lambda x: abs(x - n)) == d.day

        return f"{n}W", "?", nearest
    if kind == "dow":
        text, pred = draw(numeric_field(1, 7, NAMES_DOW))
        return "?", text, lambda d: pred(aws_weekday(d))
    if kind == "dowL":
        return "?", "L", lambda d: aws_weekday(d) == 7
    wd = draw(st.integers(1, 7))
    shown = draw(st.sampled_from([str(wd), NAMES_DOW[wd - 1]]))
    if kind == "nL":
        return "?", f"{shown}L", lambda d: aws_weekday(d) == wd and d.day + 7 > last_day(d)
    nth = draw(st.one_of(st.just(5), st.integers(1, 5)))
    return "?", f"{shown}#{nth}", lambda d: aws_weekday(d) == wd and (d.day - 1) // 7 + 1 == nth


@st.composite
def cron_cases(draw: st.DrawFn) -> tuple[str, DayPred, Callable[[int, int], bool], datetime]:
    minute, m_ok = draw(numeric_field(0, 59))
    hour, h_ok = draw(numeric_field(0, 23))
    month, mo_ok = draw(numeric_field(1, 12, NAMES_MON))
    dom, dow, day_ok = draw(day_fields())
    if draw(st.booleans()):
        year, y_ok = "*", (lambda y: True)
    else:
        y1 = draw(st.integers(2020, 2027))
        y2 = draw(st.integers(y1, 2028))
        year, y_ok = f"{y1}-{y2}", (lambda y: y1 <= y <= y2)
    text = f"cron({minute} {hour} {dom} {month} {dow} {year})"
    after = draw(st.datetimes(datetime(2020, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC)))
    return (
        text,
        lambda d: y_ok(d.year) and mo_ok(d.month) and day_ok(d),
        lambda h, m: h_ok(h) and m_ok(m),
        after,
    )


WINDOW_DAYS = 800


def reference_next(
    day_ok: DayPred, time_ok: Callable[[int, int], bool], after: datetime, until: datetime
) -> datetime | None:
    """Scan each day from ``after`` to ``until``, and each minute of the days that match."""
    day = after.date()
    while day <= until.date():
        if day_ok(day):
            for hour in range(24):
                for minute in range(60):
                    t = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if after < t <= until and time_ok(hour, minute):
                        return t
        day += timedelta(days=1)
    return None


@settings(max_examples=200, deadline=None)
@given(cron_cases())
def test_next_fire_agrees_with_brute_force(case: tuple[str, DayPred, Callable[[int, int], bool], datetime]) -> None:
    text, day_ok, time_ok, after = case
    schedule = parse_schedule_expression(text)
    until = after + timedelta(days=WINDOW_DAYS)
    moment = after
    for _ in range(3):
        got = next_fire(schedule, moment)
        if got is not None:
            # strictly later, on a whole minute, and satisfying the expression
            assert got > moment and got.second == 0 and got.microsecond == 0
            assert day_ok(got.date()) and time_ok(got.hour, got.minute), (text, got)
        # and nothing matching lies in between (within the bounded window)
        expected = reference_next(day_ok, time_ok, moment, min(got, until) if got is not None else until)
        assert expected == (got if got is not None and got <= until else None), (text, moment, got, expected)
        if got is None or got > until:
            break
        moment = got
