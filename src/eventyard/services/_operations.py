"""Operation tables: which method of a service serves which AWS operation.

Each service declares its table next to its class (``OPERATIONS`` in its ``service.py``);
only what a table names is reachable over the wire or through ``api.invoke``, so a
public helper method of a service never becomes an operation by its name alone.
"""

from __future__ import annotations

from types import MethodType
from typing import Any, Awaitable, Callable, Mapping

from eventyard.core.identity import RequestContext

# a service's method, unbound: (service, context, parameters) -> response members
Operation = Callable[[Any, RequestContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
# bound to its service object: what the API calls
Handler = Callable[[RequestContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
OperationTable = Mapping[str, Operation]


def bind(table: OperationTable, service: object) -> dict[str, Handler]:
    """The table's methods bound to ``service`` (once, at construction: the hot path
    then finds its handler with one dict lookup)."""
    return {name: MethodType(method, service) for name, method in table.items()}
