"""PostgreSQL specifics: several nodes on one database, concurrent first start."""

from __future__ import annotations

import threading

from _waiting import PATIENCE
from eventyard.store import Store, open_store
from eventyard.store.postgres import PostgresStore


def test_two_nodes_see_each_others_writes(fresh_postgres_url: str) -> None:
    with open_store(fresh_postgres_url) as one, open_store(fresh_postgres_url) as two:
        assert isinstance(one, PostgresStore) and isinstance(two, PostgresStore)
        one.write_sync(lambda s: s.tags.put("arn:x", {"from": "one"}))
        assert two.read_sync(lambda s: s.tags.get("arn:x")) == {"from": "one"}
        two.write_sync(lambda s: s.tags.put("arn:x", {"also": "two"}))
        assert one.read_sync(lambda s: s.tags.get("arn:x")) == {"also": "two", "from": "one"}


def test_nodes_starting_together_migrate_once(fresh_postgres_url: str) -> None:
    nodes: list[Store] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def boot() -> None:
        try:
            start.wait(PATIENCE)
            nodes.append(open_store(fresh_postgres_url))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=boot) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        assert len(nodes) == 4
        rows = nodes[0].read_sync(lambda s: s.all("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version"))
        assert rows and all(count == 1 for _, count in rows)
    finally:
        for node in nodes:
            node.close()


def test_postgres_scheme_alias(fresh_postgres_url: str) -> None:
    alias = fresh_postgres_url.replace("postgresql://", "postgres://", 1)
    with open_store(alias) as store:
        assert store.dialect == "postgres"
        assert store.write_sync(lambda s: s.scalar("SELECT 1")) == 1
