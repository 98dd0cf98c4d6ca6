"""One package per AWS service: plain typed Python, no HTTP.

A service exposes one ``async`` method per AWS operation, named in snake_case
(``CreateEventBus`` -> ``create_event_bus``), taking the caller's
``RequestContext`` and the validated request members, returning the response
members. Errors are ``eventyard.core.errors.ServiceError`` with AWS's shape names.
"""

from eventyard.services.registry import ServiceRegistry

__all__ = ["ServiceRegistry"]
