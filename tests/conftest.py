"""Shared fixtures: every store-backed test runs on SQLite and on PostgreSQL.

``store_url`` is parametrized ``[sqlite]`` / ``[postgres]`` and gives a fresh, empty
store per test. PostgreSQL comes from ``$EVENTYARD_TEST_POSTGRES_URL`` or a throwaway
cluster started once per session; if neither works the tests fail, never skip.
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from _clients import share_service_models
from _postgres import Cluster
from _stores import sqlite_url
from eventyard.store import Store, open_store

share_service_models()  # one parsed copy of each botocore model for all the tests' clients

BACKENDS = ["sqlite", "postgres"]
POSTGRES_URL_ENV = "EVENTYARD_TEST_POSTGRES_URL"

# Property tests on a shared, busy machine: no per-example deadline (hypothesis's 200 ms
# default fails when the CPU is taken), and no health check that times data generation.
# Tests that pass their own @settings inherit these for whatever they leave out.
settings.register_profile("eventyard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "eventyard"))


class PostgresDatabases:
    """Creates empty databases on one server, and drops them (even if still in use)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._prefix = f"eyt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._live: set[str] = set()

    def create(self) -> str:
        """A new empty database; returns its ``postgresql://`` URL."""
        with self._lock:
            name = f"{self._prefix}_{next(self._counter)}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with self._lock:
            self._live.add(name)
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with self._admin() as conn:
            # FORCE: a server process or a leaked pool may still hold connections.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        with self._lock:
            self._live.discard(name)

    def drop_all(self) -> None:
        for name in sorted(self._live):
            self.drop(urlunsplit(urlsplit(self.server_url)._replace(path=f"/{name}")))

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server_url, autocommit=True, connect_timeout=10)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server's database usable as admin (CREATE/DROP DATABASE)."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        yield url
        return
    # No skip on failure: a broken PostgreSQL set-up must be seen, not hidden.
    with Cluster() as cluster:
        yield cluster.url


@pytest.fixture(scope="session")
def postgres_databases(postgres_url: str) -> Iterator[PostgresDatabases]:
    """Factory of fresh databases: ``url = postgres_databases.create()``; dropped at session end."""
    databases = PostgresDatabases(postgres_url)
    yield databases
    databases.drop_all()


@pytest.fixture
def fresh_postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A fresh empty PostgreSQL database for this test, dropped afterwards."""
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)




@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store URL per test, once per backend (ids ``[sqlite]``, ``[postgres]``)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store on ``store_url``, closed after the test."""
    opened = open_store(store_url)
    yield opened
    opened.close()


# -- real server processes (wire, CLI and crash tests) ----------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh store URL shared by one test module, once per backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("store"))
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def make_server(backend_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Factory of started servers: ``make_server(extra_args=[...])``. The first serves the
    module's store; on SQLite each later one gets a store of its own."""
    from _server import ServerProcess

    started: list[ServerProcess] = []

    def make(**kwargs: Any) -> ServerProcess:
        log = tmp_path_factory.mktemp("server") / "server.log"
        url = backend_url
        if started and url.startswith("sqlite:"):
            # one server per SQLite file (a second one refuses to start): later servers
            # of the module get a file of their own; PostgreSQL servers share the store
            url = sqlite_url(tmp_path_factory.mktemp("store"))
        proc = ServerProcess(url, log_path=log, **kwargs).start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture(scope="module")
def server(make_server: Any) -> Any:
    """One dev-mode server per test module and backend; tests isolate by account."""
    return make_server()


@pytest.fixture
def restartable_server(store_url: str, tmp_path: Path) -> Iterator[Any]:
    """A server on a fresh store that the test may stop, kill -9 and start again."""
    from _server import ServerProcess

    proc = ServerProcess(store_url, log_path=tmp_path / "server.log").start()
    yield proc
    proc.stop()


# -- order: the longest modules first ---------------------------------------------------
# `make test` runs modules whole on each of its workers (--dist loadscope) in collection
# order (--no-loadscope-reorder: xdist would otherwise sort them by their number of tests);
# a module of minutes handed out last (Terraform: one test each) left the other workers
# idle at the end. Measured on a full run; a module not named here
# keeps its place after these.
LONGEST_FIRST = (
    "tests/test_terraform.py", "tests/test_terraform_postgres.py",
    "tests/services/test_account_isolation.py", "tests/services/test_iam_enforcement.py",
    "tests/crash/", "tests/services/iam/test_iam_cli.py", "tests/console/test_console_browser.py",
    "tests/services/sts/test_sts_credentials.py", "tests/core/patterns/test_compiled.py",
    "tests/services/secretsmanager/test_secretsmanager_cli.py", "tests/services/logs/test_logs_cli.py",
    "tests/services/functions/test_functions_cli.py", "tests/services/sns/test_sns_topics.py",
    "tests/console/test_console_http.py", "tests/services/events/test_replays.py",
    "tests/services/events/test_api_destination_delivery.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: a module's own tests keep their order
