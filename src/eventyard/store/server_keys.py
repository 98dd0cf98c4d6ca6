"""Keys the server holds for itself, by purpose (STS's sealing key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session


class ServerKeys:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def get(self, purpose: str) -> str | None:
        value = self._s.scalar("SELECT key_material FROM server_keys WHERE purpose = ?", (purpose,))
        return None if value is None else str(value)

    def put_once(self, purpose: str, key_material: str, created_ms: int) -> str:
        """Store ``key_material`` unless a key for ``purpose`` exists; returns the one
        stored (two nodes may race: the first wins and both get it back)."""
        self._s.execute("INSERT INTO server_keys (purpose, key_material, created_ms) VALUES (?, ?, ?)"
                        " ON CONFLICT (purpose) DO NOTHING", (purpose, key_material, created_ms))
        stored = self.get(purpose)
        assert stored is not None
        return stored
