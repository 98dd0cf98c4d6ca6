"""SQS's errors, with AWS's shape names and wording.

Shapes SQS sends but does not model keep AWS's wire names:
``InvalidParameterValueException`` (legacy code ``InvalidParameterValue``) and
``MissingRequiredParameterException`` (``MissingParameter``).
"""

from __future__ import annotations

from typing import Any

from eventyard.core.errors import ServiceError

INVALID_PARAMETER = "InvalidParameterValueException"
MISSING_PARAMETER = "MissingRequiredParameterException"

# The ``Code`` of a failed batch entry is the legacy query code.
_ENTRY_CODES = {INVALID_PARAMETER: "InvalidParameterValue", MISSING_PARAMETER: "MissingParameter"}


def entry_code(err: ServiceError) -> str:
    return _ENTRY_CODES.get(err.code, err.code)


def entry_failure(entry_id: str, err: ServiceError) -> dict[str, object]:
    """A batch entry's ``Failed`` element."""
    return {"Id": entry_id, "SenderFault": err.sender_fault, "Code": entry_code(err), "Message": err.message}


def batch_result(successful: list[dict[str, Any]], failed: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch operation's answer: AWS leaves ``Failed`` out when no entry failed."""
    return {"Successful": successful, "Failed": failed} if failed else {"Successful": successful}


def queue_not_found() -> ServiceError:
    return ServiceError("QueueDoesNotExist", "The specified queue does not exist.")


def invalid(message: str) -> ServiceError:
    return ServiceError(INVALID_PARAMETER, message)


def invalid_value(parameter: str, value: object, reason: str) -> ServiceError:
    return invalid(f"Value {value} for parameter {parameter} is invalid. Reason: {reason}")


def missing(parameter: str) -> ServiceError:
    return ServiceError(MISSING_PARAMETER, f"The request must contain the parameter {parameter}.")


def unknown_attribute(name: str) -> ServiceError:
    return ServiceError("InvalidAttributeName", f"Unknown Attribute {name}.")


def unknown_attribute_text(message: str) -> ServiceError:
    """InvalidAttributeName with a message of its own."""
    return ServiceError("InvalidAttributeName", message)


def bad_attribute_value(name: str, reason: str | None = None) -> ServiceError:
    suffix = f" Reason: {reason}" if reason else ""
    return ServiceError("InvalidAttributeValue", f"Invalid value for the parameter {name}.{suffix}")


def receipt_handle_invalid(handle: str) -> ServiceError:
    return ServiceError("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')


def receipt_handle_expired(handle: str) -> ServiceError:
    return invalid_value("ReceiptHandle", handle, "The receipt handle has expired.")


def not_available_for_visibility(handle: str) -> ServiceError:
    return invalid_value(
        "ReceiptHandle", handle, "Message does not exist or is not available for visibility timeout change."
    )


def resource_not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def over_limit(cap: int) -> ServiceError:
    return ServiceError(
        "OverLimit", f"The maximum number of in flight messages ({cap}) is reached for this queue."
    )
