"""Why a pattern or filter policy was refused, in AWS's words.

    ServiceError                      (eventyard.core.errors)
     +-- InvalidEventPattern          EventBridge: InvalidEventPatternException, 400
     |    +-- EventPatternTooLong     longer than the API allows: ValidationException, 400
     +-- InvalidFilterPolicy          SNS: InvalidParameter (400) or FilterPolicyLimitExceeded (403)

They are ``ServiceError``s, so a service can let them propagate and ``api/`` renders
them with the right status and code.
"""

from __future__ import annotations

from eventyard.core.errors import ServiceError, Violation, format_violations

__all__ = ["EVENT_PATTERN_MAX_LENGTH", "EventPatternTooLong", "InvalidEventPattern", "InvalidFilterPolicy"]

EVENT_PATTERN_MAX_LENGTH = 4096


class InvalidEventPattern(ServiceError):
    """``Event pattern is not valid. Reason: <reason><location>``; ``location`` is Jackson's
    ``\n at [Source: ...]`` suffix where AWS adds one (``core.json_errors``)."""

    def __init__(self, reason: str, location: str = "") -> None:
        super().__init__("InvalidEventPatternException", "Event pattern is not valid. Reason: " + reason + location)
        self.reason = reason


class EventPatternTooLong(InvalidEventPattern):
    """AWS refuses these at the API layer, before EventBridge sees them: Coral's length wording."""

    def __init__(self, text: str, field: str = "eventPattern") -> None:
        constraint = f"Member must have length less than or equal to {EVENT_PATTERN_MAX_LENGTH}"
        super().__init__(constraint)
        self.code = "ValidationException"
        self.message = format_violations([Violation(field, text, constraint, "length")])
        self.args = (self.message,)


class InvalidFilterPolicy(ServiceError):
    """An SNS filter policy refused; ``code`` is the wire code (the service model maps it)."""

    def __init__(self, message: str, code: str = "InvalidParameter") -> None:
        super().__init__(code, message)
