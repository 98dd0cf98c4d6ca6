"""One transaction's view of the database, with the repositories over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Sequence

from eventyard.store import _sql
from eventyard.store._errors import ConflictError, is_unique_violation

if TYPE_CHECKING:
    from eventyard.store.api_destinations import ApiDestinations
    from eventyard.store.connections import Connections
    from eventyard.store.deliveries import Deliveries
    from eventyard.store.event_archives import EventArchives
    from eventyard.store.event_history import EventHistory
    from eventyard.store.delivery_history import DeliveryHistory
    from eventyard.store.resource_search import ResourceSearch
    from eventyard.store.event_bus_policies import EventBusPolicies
    from eventyard.store.event_replays import EventReplays
    from eventyard.store.event_buses import EventBuses
    from eventyard.store.event_rules import EventRules
    from eventyard.store.functions import Functions
    from eventyard.store.iam import IamRepository
    from eventyard.store.jobs import Jobs
    from eventyard.store.logs import LogsRepository
    from eventyard.store.messages import Messages
    from eventyard.store.queues import Queues
    from eventyard.store.secrets import Secrets
    from eventyard.store.tags import Tags
    from eventyard.store.server_keys import ServerKeys
    from eventyard.store.sns_platform import SnsPlatform
    from eventyard.store.states import StateMachines
    from eventyard.store.topics import Topics


class _NoRows:
    """The result of a query that cannot match a row."""

    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return []


_NO_ROWS = _NoRows()


def _lookup_by_nul(sql: str, params: Sequence[Any]) -> bool:
    """A SELECT or DELETE by a text holding U+0000: PostgreSQL refuses such text outright,
    and can hold none, so no row matches, as SQLite answers (a name or ARN from a request
    may hold any character until a service checks it)."""
    return any(type(p) is str and "\x00" in p for p in params) and sql.lstrip()[:6].upper() in ("SELECT", "DELETE")


class Session:
    """Wraps a DB-API connection inside an open transaction.

    SQL is written once with ``?`` placeholders; the PostgreSQL dialect rewrites
    them. Repositories are attributes so a unit of work reads naturally:
    ``lambda s: s.event_buses.get(account, region, name)``. A unique or primary key
    violation raises ``ConflictError`` on both backends.
    """

    def __init__(self, conn: Any, dialect: str) -> None:
        self._conn = conn
        self.dialect = dialect
        # SQLite with worker processes: notifications posted by the unit, which the store
        # sends to the other workers once it commits (None: no one to tell)
        self.posted: list[tuple[str, str]] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.dialect == "postgres" and _lookup_by_nul(sql, params):
            return _NO_ROWS
        try:
            return self._conn.execute(_sql.for_dialect(sql, self.dialect), params)
        except Exception as exc:
            if is_unique_violation(exc):
                raise ConflictError(str(exc).strip()) from exc
            raise

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        sql = _sql.for_dialect(sql, self.dialect)
        try:
            if self.dialect == "sqlite":
                self._conn.executemany(sql, rows)
            else:
                with self._conn.cursor() as cur:
                    cur.executemany(sql, rows)
        except Exception as exc:
            if is_unique_violation(exc):
                raise ConflictError(str(exc).strip()) from exc
            raise

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the unit of work that fails alone: what it wrote is rolled back if it
        raises (and the exception goes on), the rest of the unit stays."""
        self._conn.execute("SAVEPOINT eventyard_part")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK TO SAVEPOINT eventyard_part")
            self._conn.execute("RELEASE SAVEPOINT eventyard_part")
            raise
        self._conn.execute("RELEASE SAVEPOINT eventyard_part")

    @cached_property
    def event_buses(self) -> "EventBuses":
        from eventyard.store.event_buses import EventBuses

        return EventBuses(self)

    @cached_property
    def tags(self) -> "Tags":
        from eventyard.store.tags import Tags

        return Tags(self)

    @cached_property
    def queues(self) -> "Queues":
        from eventyard.store.queues import Queues

        return Queues(self)

    @cached_property
    def messages(self) -> "Messages":
        from eventyard.store.messages import Messages

        return Messages(self)

    @cached_property
    def event_rules(self) -> "EventRules":
        from eventyard.store.event_rules import EventRules

        return EventRules(self)

    @cached_property
    def deliveries(self) -> "Deliveries":
        from eventyard.store.deliveries import Deliveries

        return Deliveries(self)

    @cached_property
    def jobs(self) -> "Jobs":
        from eventyard.store.jobs import Jobs

        return Jobs(self)

    @cached_property
    def event_archives(self) -> "EventArchives":
        from eventyard.store.event_archives import EventArchives

        return EventArchives(self)

    @cached_property
    def event_history(self) -> "EventHistory":
        from eventyard.store.event_history import EventHistory

        return EventHistory(self)

    @cached_property
    def delivery_history(self) -> "DeliveryHistory":
        from eventyard.store.delivery_history import DeliveryHistory

        return DeliveryHistory(self)

    @cached_property
    def resource_search(self) -> "ResourceSearch":
        from eventyard.store.resource_search import ResourceSearch

        return ResourceSearch(self)

    @cached_property
    def event_replays(self) -> "EventReplays":
        from eventyard.store.event_replays import EventReplays

        return EventReplays(self)

    @cached_property
    def event_bus_policies(self) -> "EventBusPolicies":
        from eventyard.store.event_bus_policies import EventBusPolicies

        return EventBusPolicies(self)

    @cached_property
    def connections(self) -> "Connections":
        from eventyard.store.connections import Connections

        return Connections(self)

    @cached_property
    def api_destinations(self) -> "ApiDestinations":
        from eventyard.store.api_destinations import ApiDestinations

        return ApiDestinations(self)

    @cached_property
    def topics(self) -> "Topics":
        from eventyard.store.topics import Topics

        return Topics(self)

    @cached_property
    def sns_platform(self) -> "SnsPlatform":
        from eventyard.store.sns_platform import SnsPlatform

        return SnsPlatform(self)

    @cached_property
    def server_keys(self) -> "ServerKeys":
        from eventyard.store.server_keys import ServerKeys

        return ServerKeys(self)

    @cached_property
    def secrets(self) -> "Secrets":
        from eventyard.store.secrets import Secrets

        return Secrets(self)

    @cached_property
    def iam(self) -> "IamRepository":
        from eventyard.store.iam import IamRepository

        return IamRepository(self)

    @cached_property
    def states(self) -> "StateMachines":
        from eventyard.store.states import StateMachines

        return StateMachines(self)

    @cached_property
    def logs(self) -> "LogsRepository":
        from eventyard.store.logs import LogsRepository

        return LogsRepository(self)

    @cached_property
    def functions(self) -> "Functions":
        from eventyard.store.functions import Functions

        return Functions(self)
