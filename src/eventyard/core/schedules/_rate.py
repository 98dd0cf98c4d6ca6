"""EventBridge ``rate(value unit)``.

What AWS refuses, recorded against PutRule (LocalStack's validated test list):
``rate(10 seconds)``, ``rate(10 years)``, ``rate(1 minutes)``, ``rate(10 minute)``,
``rate()``, ``rate(10)``, ``rate(foo minutes)``, ``rate(0 minutes)``,
``rate(-10 minutes)``, ``rate(10 MINUTES)``, ``rate( 10 minutes )``,
`` rate(10 minutes)``: so lower case, single space, no padding, and the unit is
singular exactly when the value is 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_RATE = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)\Z")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
# [?] AWS's upper bound is unpublished; a Java int is the plausible limit.
RATE_VALUE_MAX = 2**31 - 1


class RateSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Rate:
    """A valid ``rate(...)``: fires every ``interval``, counted from the rule's start."""

    text: str
    value: int
    unit: str  # minute | hour | day

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.value * _UNIT_SECONDS[self.unit])

    def next_after(self, after: datetime, start: datetime) -> datetime:
        """The first ``start + k * interval`` (k >= 1) strictly after ``after``.

        AWS runs a rate rule relative to when the rule was created, not on a wall-clock
        grid, and its events carry whole-second times; so ``start`` is truncated to the
        second and the first firing is one interval after it, never at ``start`` itself.
        """
        origin = _utc(start).replace(microsecond=0)
        step = self.interval
        elapsed = _utc(after) - origin
        k = max(1, elapsed // step + 1)
        return origin + k * step


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_rate(text: str) -> Rate:
    m = _RATE.match(text)
    if m is None:
        raise RateSyntaxError("not of the form rate(value unit)")
    value = int(m.group(1))
    unit = m.group(2)
    if not 1 <= value <= RATE_VALUE_MAX:
        raise RateSyntaxError(f"value {value} out of range")
    singular = unit in _UNIT_SECONDS
    if singular != (value == 1):
        raise RateSyntaxError("the unit is singular for 1 and plural otherwise")
    return Rate(text=text, value=value, unit=unit.rstrip("s"))
