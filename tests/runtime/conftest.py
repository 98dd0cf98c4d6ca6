"""Fixtures of the runtime tests."""

from __future__ import annotations

import pytest

from eventyard.store import notifications


@pytest.fixture
def other_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications sent from here on come from another node: a node's listener skips
    its own (that node signals itself), and both stores of a test share this process.
    The PostgreSQL store binds its listener's own id at import: import it first."""
    import eventyard.store.postgres  # noqa: F401

    monkeypatch.setattr(notifications, "NODE_ID", "another-node")
