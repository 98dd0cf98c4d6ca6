"""Notifications between nodes sharing one store, sent when a unit of work commits."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["NODE_ID", "notify"]

# This process as the sender of notifications: a node's listeners skip its own.
NODE_ID = uuid.uuid4().hex


def notify(s: Session, channel: str, payload: str) -> None:
    """Inside a unit of work: tell the other nodes listening on ``channel`` (see
    ``Store.listen``), when and only if the unit commits. PostgreSQL sends it with
    ``pg_notify`` (identical notifications of one transaction are sent once); on SQLite
    every writer is in this process, which signals itself, so nothing is sent."""
    if s.dialect == "postgres":
        s.execute("SELECT pg_notify(?, ?)", (channel, f"{NODE_ID}:{payload}"))
