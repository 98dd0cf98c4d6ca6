"""The managed rule behind an archive, as EventBridge makes one.

An archive is fed by a rule on its bus, ``Events-Archive-<name>``, managed by EventBridge
(``ManagedBy``; DeleteRule and RemoveTargets refuse it without ``Force``). Its pattern is
the archive's pattern with ``"replay-name": [{"exists": false}]`` added, so replayed
events are never archived again. Its one target looks as EventBridge's does (an ARN of
the service itself, ``arn:aws:events:<region>:::``, and an input transformer naming the
archive); PutEvents recognises it (``archive_of``) and stores the event in its own
transaction instead of delivering it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from eventyard.core import arns
from eventyard.store.event_rules import RuleRecord, TargetRecord

MANAGED_BY = "prod.vhs.events.aws.internal"
RULE_PREFIX = "Events-Archive-"


def rule_name(archive: str) -> str:
    return RULE_PREFIX + archive


def rule_pattern(archive_pattern: str | None) -> str:
    pattern: dict[str, Any] = orjson.loads(archive_pattern) if archive_pattern else {}
    pattern["replay-name"] = [{"exists": False}]
    return orjson.dumps(pattern).decode()


def archive_target(region: str, archive: str, archive_arn: str) -> dict[str, Any]:
    template = (f'{{"archive-arn": "{archive_arn}:{uuid.uuid4()}", "event": <aws.events.event.json>,'
                ' "ingestion-time": <aws.events.event.ingestion-time>}')
    return {"Id": rule_name(archive), "Arn": f"arn:aws:events:{region}:::",
            "InputTransformer": {"InputPathsMap": {}, "InputTemplate": template}}


def archive_of(rule: RuleRecord, target: TargetRecord) -> str | None:
    """The ARN of the archive that ``target`` of ``rule`` feeds, if it is an archive's."""
    if rule.managed_by != MANAGED_BY or not target.target_id.startswith(RULE_PREFIX):
        return None
    return archive_arn(rule.region, rule.account_id, target.target_id[len(RULE_PREFIX):])


def archive_arn(region: str, account: str, name: str) -> str:
    return arns.build("events", region, account, f"archive/{name}")


def archived_size(event: dict[str, Any], detail_bytes: int | None = None) -> int:
    """What an event adds to its archive's ``SizeBytes``, as AWS counts it: the UTF-8
    bytes of its source, detail-type, detail (as sent: ``detail_bytes`` when known),
    time and resources. Recorded on AWS (localstack test_list_archive_with_events):
    10 events of source and detail-type ``core.update-account-command`` and an 85-byte
    detail make 1590 bytes, whatever the bus."""
    if detail_bytes is None:
        detail_bytes = len(orjson.dumps(event.get("detail")))
    size = detail_bytes
    for key in ("source", "detail-type", "time"):
        if isinstance(event.get(key), str):
            size += len(event[key].encode("utf-8"))
    for resource in event.get("resources") or ():
        if isinstance(resource, str):
            size += len(resource.encode("utf-8"))
    return size


def event_time_ms(event: dict[str, Any], default: int) -> int:
    """The event's ``time`` (which replay windows select on) in epoch ms."""
    try:
        return int(datetime.fromisoformat(event["time"]).timestamp() * 1000)
    except (KeyError, TypeError, ValueError):
        return default
