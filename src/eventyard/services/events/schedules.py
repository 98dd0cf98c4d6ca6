"""Schedule expressions of scheduled rules: a seam over the pure parser in ``core``."""

from __future__ import annotations

import re

from eventyard.core.errors import ServiceError

_SHAPE = re.compile(r"(rate|cron)\(.+\)")


def validate(expression: str) -> None:
    if len(expression) > 256 or not _SHAPE.fullmatch(expression):
        raise ServiceError("ValidationException", "Parameter ScheduleExpression is not valid.")
