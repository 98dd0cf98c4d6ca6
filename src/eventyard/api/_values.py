"""Scalar conversions shared by the protocols."""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Numbers as AWS's (Java) parsers read them: ASCII digits only. Python's int() and
# float() would also take other scripts' digits ("٣"), underscores, "inf" and "nan".
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}
_BLANKS = " \t\r\n"


def _from_epoch(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # past year 9999, or before year 1
        raise BadValue("a timestamp") from None


class BadValue(ValueError):
    """A wire value could not be read as the shape's type (message says what was wanted)."""


def parse_timestamp(value: object) -> datetime:
    if isinstance(value, bool):
        raise BadValue("a timestamp")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise BadValue("a timestamp")
        return _from_epoch(value)
    if isinstance(value, str):
        text = value.strip(_BLANKS)
        if _DECIMAL.fullmatch(text):
            return _from_epoch(float(text))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                from email.utils import parsedate_to_datetime

                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                raise BadValue("a timestamp") from None
        if not parsed.tzinfo:
            return parsed.replace(tzinfo=timezone.utc)
        try:  # an offset may carry it past year 1 or 9999, where nothing downstream could use it
            parsed.astimezone(timezone.utc)
        except OverflowError:
            raise BadValue("a timestamp") from None
        return parsed
    raise BadValue("a timestamp")


def epoch_seconds(value: datetime | float | int) -> float | int:
    if isinstance(value, datetime):
        value = (value - _EPOCH).total_seconds() if value.tzinfo else value.timestamp()
    value = round(float(value), 3)
    return int(value) if value.is_integer() else value


def iso8601(value: datetime | float | int) -> str:
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, tz=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def rfc822(value: datetime | float | int) -> str:
    from email.utils import format_datetime

    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, tz=timezone.utc)
    return format_datetime(value.astimezone(timezone.utc), usegmt=True)


def format_timestamp(value: datetime | float | int, timestamp_format: str) -> str | float | int:
    """A timestamp in a model's ``timestampFormat`` (iso8601, rfc822 or unixTimestamp)."""
    if timestamp_format == "iso8601":
        return iso8601(value)
    if timestamp_format == "rfc822":
        return rfc822(value)
    return epoch_seconds(value)


def float_text(value: float) -> str:
    """A float as AWS protocols write it: ``NaN`` / ``Infinity`` / ``-Infinity`` by name."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def b64decode(value: object) -> bytes:
    if not isinstance(value, str):
        raise BadValue("a base64-encoded string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadValue("a base64-encoded string") from None


def b64encode(value: bytes | str) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode()


def parse_bool_text(value: str) -> bool:
    lowered = value.strip(_BLANKS).lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise BadValue("a boolean (true or false)")


def parse_int_text(value: str) -> int:
    text = value.strip(_BLANKS)
    if not _INTEGER.fullmatch(text):
        raise BadValue("an integer")
    return int(text)


def parse_float_text(value: str) -> float:
    text = value.strip(_BLANKS)
    if text in _NON_FINITE:
        return _NON_FINITE[text]
    if not _DECIMAL.fullmatch(text):
        raise BadValue("a number")
    return float(text)
