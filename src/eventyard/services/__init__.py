"""One package per AWS service: plain typed Python, no HTTP.

A service serves each AWS operation with one ``async`` method, by convention named in
snake_case (``CreateEventBus`` -> ``create_event_bus``), taking the caller's
``RequestContext`` and the validated request members, returning the response
members; its ``service.py`` declares them in ``OPERATIONS`` (AWS name -> method), the
only way in from the wire. Errors are ``eventyard.core.errors.ServiceError`` with AWS's
shape names.
"""

from eventyard.services.registry import ServiceRegistry

__all__ = ["ServiceRegistry"]
