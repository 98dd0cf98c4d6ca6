"""Notifications between nodes sharing one store, sent when a unit of work commits."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["NODE_ID", "WAKE_CHANNEL", "notify", "wake", "wake_key"]

# Wake-ups (``runtime.wakeups``) of every kind share this channel; the payload is the key.
WAKE_CHANNEL = "eventyard_wake"

# This process as the sender of notifications: a node's listeners skip its own. A forked
# process (a worker of ``serve --workers N``) is a node of its own: it draws its own id.
NODE_ID = uuid.uuid4().hex


def _new_node_id() -> None:
    global NODE_ID
    NODE_ID = uuid.uuid4().hex


os.register_at_fork(after_in_child=_new_node_id)


def notify(s: Session, channel: str, payload: str) -> None:
    """Inside a unit of work: tell the other nodes listening on ``channel`` (see
    ``Store.listen``), when and only if the unit commits. PostgreSQL sends it with
    ``pg_notify`` (identical notifications of one transaction are sent once); on SQLite
    the store sends what its units posted to the other worker processes of its group
    (``store.peers``) after the commit, and a single process signals itself."""
    if s.dialect == "postgres":
        s.execute("SELECT pg_notify(?, ?)", (channel, f"{NODE_ID}:{payload}"))
    elif s.posted is not None:
        s.posted.append((channel, payload))


def wake_key(kind: str, ident: object) -> str:
    """The wake-up key of one thing (``runtime.wakeups.Keyed`` builds the same)."""
    return f"{kind}:{ident}"


def wake(s: Session, kind: str, ident: object) -> None:
    """Inside a unit of work: wake the other nodes' waiters on ``kind:ident`` at commit."""
    if s.dialect == "postgres" or s.posted is not None:
        notify(s, WAKE_CHANNEL, f"{kind}:{ident}")
