"""RFC 3339 timestamps as the States Language takes them (Wait's Timestamp, Choice's
Timestamp comparators): ``2016-03-14T01:59:00Z``, an optional fraction, ``Z`` or an
offset; the ``T`` is required (AWS refuses a space)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: object) -> datetime | None:
    """The instant, or None when ``text`` is not an RFC 3339 timestamp."""
    if not isinstance(text, str):
        return None
    m = _RFC3339.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=tz)
    except ValueError:
        return None


def to_ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000) if instant.microsecond % 1000 == 0 else (
        int(instant.timestamp()) * 1000 + instant.microsecond // 1000)
