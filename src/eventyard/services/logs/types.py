"""How other services write log events into CloudWatch Logs (Lambda's function logs,
Step Functions' Express execution history) without going through the wire API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LogEvent:
    timestamp_ms: int
    message: str


class LogSink(Protocol):
    def append(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        """Like ``put``, without waiting: the events are written soon after, off the
        caller's path (a crash may lose the last moment's; a clean shutdown loses none)."""

    async def put(self, account_id: str, region: str, group: str, stream: str,
                  events: Sequence[LogEvent]) -> None:
        """Append events to the stream, creating the group and the stream if missing (as
        Lambda and Step Functions do for their own groups). Never raises for the caller's
        data: a write that cannot be kept is logged and dropped, like AWS's own agents."""
