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
