"""The managed rule behind an archive, as EventBridge makes one.

An archive is fed by a rule on its bus, ``Events-Archive-<name>``, managed by EventBridge
(``ManagedBy``; DeleteRule and RemoveTargets refuse it without ``Force``). Its pattern is
the archive's pattern with ``"replay-name": [{"exists": false}]`` added, so replayed
events are never archived again; its one target is the archive. PutEvents stores what
that rule matches in its own transaction (``ARCHIVE_RESOURCE`` targets).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from eventyard.core import arns

MANAGED_BY = "prod.vhs.events.aws.internal"
RULE_PREFIX = "Events-Archive-"
ARCHIVE_RESOURCE = ":archive/"  # in an ARN: the target is an archive


def rule_name(archive: str) -> str:
    return RULE_PREFIX + archive


def rule_pattern(archive_pattern: str | None) -> str:
    pattern: dict[str, Any] = orjson.loads(archive_pattern) if archive_pattern else {}
    pattern["replay-name"] = [{"exists": False}]
    return orjson.dumps(pattern).decode()


def archive_target(archive: str, archive_arn: str) -> dict[str, Any]:
    return {"Id": rule_name(archive), "Arn": archive_arn}


def is_archive(target_arn: str) -> bool:
    return ARCHIVE_RESOURCE in target_arn


def archive_arn(region: str, account: str, name: str) -> str:
    return arns.build("events", region, account, f"archive/{name}")


def event_time_ms(event: dict[str, Any], default: int) -> int:
    """The event's ``time`` (which replay windows select on) in epoch ms."""
    try:
        return int(datetime.fromisoformat(event["time"]).timestamp() * 1000)
    except (KeyError, TypeError, ValueError):
        return default
