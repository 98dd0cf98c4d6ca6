"""The store's exceptions (re-exported by ``eventyard.store``)."""

from __future__ import annotations


class StoreError(Exception):
    """The store could not do what was asked (bad URL, unreachable database...).

    StoreError
    └── ConflictError   a unique or primary key constraint rejected a write
    """


class ConflictError(StoreError):
    """A write hit a unique or primary key constraint (e.g. two creates racing).

    It ends the unit of work: PostgreSQL aborts the transaction, so let it propagate
    (and map it to the service's "already exists" error) rather than continue.
    """


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique/primary key violation from either driver (no driver imports)."""
    if getattr(exc, "sqlstate", None) == "23505":  # psycopg
        return True
    return getattr(exc, "sqlite_errorname", None) in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
