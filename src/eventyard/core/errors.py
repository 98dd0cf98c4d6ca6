"""Errors a service raises, named as AWS names them.

``ServiceError`` carries the AWS error *shape* name (``ResourceNotFoundException``)
and a message. How it travels on the wire (HTTP status, ``__type``, query ``Code``,
``x-amzn-query-error``) is decided by ``api/`` from the service's botocore model,
so services never know about HTTP.

    ServiceError
     +-- ValidationError      input broke a shape constraint (api/ maps it per service)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


class ServiceError(Exception):
    """An error with an AWS error shape name, e.g. ``ResourceNotFoundException``."""

    def __init__(self, code: str, message: str, *, sender_fault: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.sender_fault = sender_fault

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class _Sensitive:
    """The value of a member the model marks sensitive: never repeated in a message."""

    def __repr__(self) -> str:
        return "SENSITIVE"


SENSITIVE = _Sensitive()


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where (AWS's lowerCamel path) and what."""

    path: str
    value: object
    constraint: str
    kind: str  # required | length | range | enum | pattern | type


class ValidationError(ServiceError):
    """One or more input constraints were broken."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("ValidationException", format_violations(violations))


@dataclass(frozen=True)
class Structure:
    """A structure shown as AWS's Java services show one: ``PutEventsRequestEntry(time=null,
    source=s, ...)``, every member in model order, unset ones as ``null``."""

    name: str
    members: tuple[tuple[str, object], ...]


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Structure):
        return value.name + "(" + ", ".join(f"{k}={_show(v)}" for k, v in value.members) + ")"
    if isinstance(value, datetime):  # java.util.Date#toString
        return value.astimezone(timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_violation(v: Violation) -> str:
    if v.value is SENSITIVE:  # as AWS words it: "Value at 'secretString' failed ..."
        return f"Value at '{v.path}' failed to satisfy constraint: {v.constraint}"
    shown = "null" if v.value is None else f"'{_show(v.value)}'"
    return f"Value {shown} at '{v.path}' failed to satisfy constraint: {v.constraint}"


def format_violations(violations: list[Violation]) -> str:
    """AWS's Coral wording: ``1 validation error detected: Value ... at 'name' ...``."""
    n = len(violations)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return head + "; ".join(format_violation(v) for v in violations)
