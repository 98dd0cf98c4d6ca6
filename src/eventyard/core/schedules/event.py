"""The event EventBridge emits when a scheduled rule fires."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from eventyard.core import ids


def scheduled_event(
    *, rule_arn: str, account: str, region: str, tick: datetime, event_id: str | None = None
) -> dict[str, Any]:
    """``Scheduled Event`` from ``aws.events`` for one tick, keys in AWS's order.

    ``time`` is the scheduled tick, not the moment we got round to it, in whole
    seconds with ``Z``, as recorded on AWS (two rate(1 minute) events exactly 60 s apart).
    """
    tick = tick.replace(tzinfo=timezone.utc) if tick.tzinfo is None else tick.astimezone(timezone.utc)
    return {
        "version": "0",
        "id": event_id if event_id is not None else ids.event_id(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": tick.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
