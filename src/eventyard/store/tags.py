"""Tags of any resource, keyed by ARN."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session


class Tags:
    def __init__(self, session: "Session") -> None:
        self._s = session

    def get(self, arn: str) -> dict[str, str]:
        rows = self._s.all("SELECT key, value FROM resource_tags WHERE arn = ? ORDER BY key", (arn,))
        return {k: v for k, v in rows}

    def count(self, arn: str) -> int:
        return int(self._s.scalar("SELECT COUNT(*) FROM resource_tags WHERE arn = ?", (arn,)))

    def put(self, arn: str, tags: dict[str, str]) -> None:
        self._s.executemany(
            "INSERT INTO resource_tags (arn, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
            [(arn, k, v) for k, v in tags.items()],
        )

    def remove(self, arn: str, keys: list[str]) -> None:
        self._s.executemany("DELETE FROM resource_tags WHERE arn = ? AND key = ?", [(arn, k) for k in keys])

    def remove_all(self, arn: str) -> None:
        self._s.execute("DELETE FROM resource_tags WHERE arn = ?", (arn,))
