"""The console's search box: resources of one account and region whose name or ARN
contains a text, read straight from each service's table (a few thousand rows of one
account at most, by the table's account prefix) instead of listing every resource
through the AWS operations page by page."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session

# kind -> (table, the name column, the ARN column or None, the extra column or None)
_TABLES = {
    "queue": ("sqs_queues", "name", "arn", None),
    "topic": ("sns_topics", "name", "arn", None),
    "event bus": ("event_buses", "name", "arn", None),
    "rule": ("event_rules", "name", "arn", "bus"),
    "state machine": ("sfn_state_machines", "name", "arn", None),
    "function": ("lambda_functions", "name", None, None),
}


@dataclass(frozen=True)
class FoundResource:
    kind: str
    name: str
    arn: str | None
    bus: str | None  # a rule's bus


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ResourceSearch:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def containing(self, account_id: str, region: str, text: str, *, kinds: builtins.set[str] | None = None,
                   limit: int = 200) -> builtins.list[FoundResource]:
        """Resources whose name (or ARN) contains ``text``, ignoring case, by kind then name."""
        pattern = _like(text)
        found: list[FoundResource] = []
        for kind, (table, name, arn, extra) in _TABLES.items():
            if kinds is not None and kind not in kinds:
                continue
            columns = ", ".join([name, arn or "NULL", extra or "NULL"])
            where = f"LOWER({name}) LIKE ? ESCAPE '\\'" + (f" OR LOWER({arn}) LIKE ? ESCAPE '\\'" if arn else "")
            params: list[object] = [account_id, region, pattern] + ([pattern] if arn else []) + [limit]
            rows = self._s.all(f"SELECT {columns} FROM {table} WHERE account_id = ? AND region = ? AND ({where})"
                               f" ORDER BY {name} LIMIT ?", params)
            found.extend(FoundResource(kind, str(r[0]), r[1], r[2]) for r in rows)
        return found
