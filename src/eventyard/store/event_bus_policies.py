"""An event bus's resource-based policy (PutPermission, RemovePermission)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session


class EventBusPolicies:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def set(self, account_id: str, region: str, bus: str, policy: str | None, modified_at: int) -> None:
        """Replace the bus's policy (``None`` removes it)."""
        self._s.execute(
            "UPDATE event_buses SET policy = ?, modified_at = ? WHERE account_id = ? AND region = ? AND name = ?",
            (policy, modified_at, account_id, region, bus),
        )
