"""Appending events to a stream inside a unit of work: shared by PutLogEvents, the
``StoreLogSink`` other services write through, and Step Functions' execution logging
(which writes in the unit that commits the execution's history)."""

from __future__ import annotations

from collections.abc import Sequence

from eventyard.services.logs.names import EVENT_OVERHEAD_BYTES
from eventyard.store import Session
from eventyard.store.logs import LogGroupRecord, LogStreamRecord

MAX_EVENT_BYTES = 262_144  # one event, message and overhead
DEFAULT_CLASS = "STANDARD"


def stored_size(message: str) -> int:
    return len(message.encode()) + EVENT_OVERHEAD_BYTES


def clip(message: str) -> str:
    """A message cut to what one event may hold (AWS's agents truncate, not drop)."""
    limit = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES
    data = message.encode()
    return message if len(data) <= limit else data[:limit].decode(errors="ignore")


def ensure_group(s: Session, account: str, region: str, name: str, now_ms: int) -> LogGroupRecord:
    return s.logs.ensure_group(account, region, name, now_ms, DEFAULT_CLASS)


def append(s: Session, group: LogGroupRecord, stream: LogStreamRecord, events: Sequence[tuple[int, str]],
           now_ms: int) -> None:
    """``(timestamp, message)`` events, already checked, in the order given."""
    s.logs.append(group, stream, events, now_ms, sum(stored_size(m) for _, m in events))


def write(s: Session, account: str, region: str, group_name: str, stream_name: str,
          events: Sequence[tuple[int, str]], now_ms: int, *, create_group: bool) -> bool:
    """Events from a service (not a PutLogEvents caller): sorted, clipped, the stream made
    if missing, and the group too with ``create_group``. False when the group is missing."""
    if not events:
        return True
    group = ensure_group(s, account, region, group_name, now_ms) if create_group else \
        s.logs.group(account, region, group_name)
    if group is None:
        return False
    stream = s.logs.ensure_stream(group.id, stream_name, now_ms)
    ordered = sorted(((ts, clip(m)) for ts, m in events), key=lambda e: e[0])
    append(s, group, stream, ordered, now_ms)
    return True
