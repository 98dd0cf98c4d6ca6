"""``open_store``: URL dispatch and clear, fast failures."""

from __future__ import annotations

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


# "Fast": with libpq's own reason from the first connect, not a pool that gives up after
# retrying for seconds (its message names no reason); how long either takes depends on
# the machine, so the message is what is checked.
def test_postgres_on_a_closed_port_fails_fast() -> None:
    with pytest.raises(StoreError, match="cannot open PostgreSQL store") as exc:
        open_store(f"postgresql://postgres@127.0.0.1:{free_port()}/eventyard")
    assert "Connection refused" in str(exc.value)


def test_postgres_missing_database_fails_fast(postgres_url: str) -> None:
    missing = urlunsplit(urlsplit(postgres_url)._replace(path="/no_such_database_here"))
    with pytest.raises(StoreError, match="no_such_database_here") as exc:
        open_store(missing)
    assert "does not exist" in str(exc.value)
