"""Dialect details kept in one place."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def _to_pyformat(sql: str) -> str:
    # Our SQL never holds a literal '?' or '%' outside placeholders; assert the latter.
    assert "%" not in sql, "use parameters, not literal %, in store SQL"
    return sql.replace("?", "%s")


def for_dialect(sql: str, dialect: str) -> str:
    return sql if dialect == "sqlite" else _to_pyformat(sql)


def name_page(
    sql: str, params: list[object], *, prefix: str | None, after: str | None, limit: int
) -> tuple[str, list[object]]:
    """Append a by-name page to ``sql``: ``name`` starting with ``prefix``, ``> after``, ordered.

    A range on the key instead of LIKE: no escaping, and the primary-key index serves it.
    """
    params = list(params)
    if prefix:
        sql += " AND name >= ? AND name < ?"
        params += [prefix, prefix + "\U0010ffff"]
    if after is not None:
        sql += " AND name > ?"
        params.append(after)
    sql += " ORDER BY name LIMIT ?"
    params.append(limit)
    return sql, params
