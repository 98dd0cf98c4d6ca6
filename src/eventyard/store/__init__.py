"""Persistence behind one interface: SQLite (embedded default) or PostgreSQL.

A unit of work is a plain function ``fn(session) -> result`` run inside one
transaction. ``Store.write`` commits it durably before returning; on SQLite many
concurrent writes share one commit (group commit). ``Store.read`` sees every write
that has returned. Only this package knows SQL.
"""

from eventyard.store.base import ConflictError, Store, StoreError
from eventyard.store.factory import open_store
from eventyard.store.session import Session

__all__ = ["ConflictError", "Session", "Store", "StoreError", "open_store"]
