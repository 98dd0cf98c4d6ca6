"""Dialect details kept in one place."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=4096)
def _to_pyformat(sql: str) -> str:
    # Our SQL never holds a literal '?' or '%' outside placeholders; assert the latter.
    assert "%" not in sql, "use parameters, not literal %, in store SQL"
    return sql.replace("?", "%s")


def for_dialect(sql: str, dialect: str) -> str:
    return sql if dialect == "sqlite" else _to_pyformat(sql)


def key_page(
    sql: str, params: Sequence[object], *, key: str = "name", prefix: str | None = None,
    after: str | None, limit: int | None,
) -> tuple[str, list[object]]:
    """Append one keyset page to ``sql`` (which ends in a WHERE clause): ``key`` starting
    with ``prefix``, ``> after``, ordered by ``key``, at most ``limit`` rows (all if None).

    A range on the key instead of LIKE: no escaping, and the key's index serves it.
    """
    params = list(params)
    if prefix:
        sql += f" AND {key} >= ? AND {key} < ?"
        params += [prefix, prefix + "\U0010ffff"]
    if after is not None:
        sql += f" AND {key} > ?"
        params.append(after)
    sql += f" ORDER BY {key}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params

