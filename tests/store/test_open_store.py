"""``open_store``: URL dispatch and clear, fast failures."""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from _postgres import free_port
from eventyard.store import StoreError, open_store


@pytest.mark.parametrize("url", ["mysql://localhost/db", "sqlite3:///x.db", "memory://", "yard.db"])
def test_unsupported_url_raises_store_error(url: str) -> None:
    with pytest.raises(StoreError, match="Unsupported store URL"):
        open_store(url)


def test_env_var_names_the_store(tmp_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTYARD_STORE", f"sqlite:///{tmp_path}/env.db")
    with open_store() as store:
        assert store.dialect == "sqlite"


def test_postgres_on_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot open PostgreSQL store"):
        open_store(f"postgresql://postgres@127.0.0.1:{free_port()}/eventyard")
    assert time.monotonic() - started < 10


def test_postgres_missing_database_fails_fast(postgres_url: str) -> None:
    missing = urlunsplit(urlsplit(postgres_url)._replace(path="/no_such_database_here"))
    started = time.monotonic()
    with pytest.raises(StoreError, match="no_such_database_here"):
        open_store(missing)
    assert time.monotonic() - started < 10
