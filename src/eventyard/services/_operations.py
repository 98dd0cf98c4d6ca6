"""Operation tables: which method of which collaborator of a service serves which AWS
operation.

Each service declares its table next to its class (``OPERATIONS`` in its ``service.py``):
AWS's operation name -> a method of one of the service's collaborators (``QueueOperations.
create_queue``). Only what a table names is reachable over the wire or through
``api.invoke``, so a public helper method never becomes an operation by its name alone.
"""

from __future__ import annotations

from types import MethodType
from typing import Any, Awaitable, Callable, Mapping

from eventyard.core.identity import RequestContext

# a collaborator's method, unbound: (collaborator, context, parameters) -> response members
Operation = Callable[[Any, RequestContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
# bound to its collaborator: what the API calls
Handler = Callable[[RequestContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
OperationTable = Mapping[str, Operation]


def bind(table: OperationTable, *collaborators: object) -> dict[str, Handler]:
    """The table's methods, each bound to the one collaborator whose class has it (once,
    at construction: the hot path then finds its handler with one dict lookup)."""
    bound: dict[str, Handler] = {}
    for name, method in table.items():
        owners = [c for c in collaborators if getattr(type(c), method.__name__, None) is method]
        if len(owners) != 1:
            raise TypeError(f"{name}: {method.__qualname__} belongs to {len(owners)} of the collaborators given")
        bound[name] = MethodType(method, owners[0])
    return bound


def expose(service: object, handlers: Mapping[str, Handler]) -> None:
    """Make each handler an attribute of ``service`` under its method's name, for
    in-process callers that hold the service (``sqs.create_queue(ctx, params)``, the
    way tests and the scheduler call it). The wire never looks there: it only ever
    resolves through the table."""
    for handler in handlers.values():
        setattr(service, handler.__name__, handler)
