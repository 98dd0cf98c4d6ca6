"""Opening a store by URL: the one module that knows every backend."""

from __future__ import annotations

import os

from eventyard.store.base import DEFAULT_URL, ENV_VAR, Store, StoreError

__all__ = ["open_store"]


def open_store(url: str | None = None, *, exclusive: bool = False) -> Store:
    """Open (and migrate) the store named by ``url``, ``$EVENTYARD_STORE`` or the default.

    ``exclusive``: this process serves the store, and no other server may serve the same
    SQLite file while it runs (PostgreSQL is shared by design: the flag changes nothing)."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    # A backend (and its driver) is imported only when a URL names it.
    if url.startswith("sqlite:"):
        from eventyard.store.sqlite import SQLiteStore

        return SQLiteStore(url, exclusive=exclusive)
    if url.startswith(("postgresql:", "postgres:")):
        from eventyard.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"Unsupported store URL {url!r}: use sqlite:///path or postgresql://...")
