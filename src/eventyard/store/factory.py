"""Opening a store by URL: the one module that knows every backend."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from eventyard.store.base import DEFAULT_URL, ENV_VAR, Store, StoreError
from eventyard.store.peers import PeerGroup

if TYPE_CHECKING:
    from eventyard.store.sqlite import ServerLock

__all__ = ["claim_store", "open_store"]


def open_store(url: str | None = None, *, exclusive: bool = False, peers: PeerGroup | None = None) -> Store:
    """Open (and migrate) the store named by ``url``, ``$EVENTYARD_STORE`` or the default.

    ``exclusive``: this process serves the store, and no other server may serve the same
    SQLite file while it runs (PostgreSQL is shared by design: the flag changes nothing).
    ``peers``: this process is one of the workers of ``eventyard serve --workers N``; on
    SQLite its commits notify the other workers (``store.peers``), on PostgreSQL
    LISTEN/NOTIFY does already."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    # A backend (and its driver) is imported only when a URL names it.
    if url.startswith("sqlite:"):
        from eventyard.store.sqlite import SQLiteStore

        return SQLiteStore(url, exclusive=exclusive, peers=peers)
    if url.startswith(("postgresql:", "postgres:")):
        from eventyard.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")


def claim_store(url: str | None = None) -> "ServerLock | None":
    """For a group of worker processes: the lock ``open_store(exclusive=True)`` takes, held
    by their supervisor (and inherited by the workers) so that no other server serves the
    same SQLite file; ``None`` for PostgreSQL, which several servers may share."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if not url.startswith("sqlite:"):
        return None
    from pathlib import Path

    from eventyard.store.sqlite import ServerLock, _parse_url

    path, _ = _parse_url(url)
    return ServerLock.claim(Path(path))
