"""The in-process seam: one AWS operation called with its parameters, no HTTP.

    validate against botocore's input shape -> resolve the handler -> call it

The HTTP ``Dispatcher`` (identify, authenticate, parse, serialize, render errors) calls
through here, and so do the console, the SDK run in-process, Step Functions'
``aws-sdk:*`` tasks and tests: every caller gets the same validation and the same
handlers. A call returns the response members (the output shape's members, as a dict)
or raises:

    Exception
     +-- ServiceError   the service refused (its AWS error code and message)
     +-- WireError      the request itself: shape validation (worded as the service
                        words it), an unknown operation, or one not implemented yet

Both carry ``code`` and ``message``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Awaitable, Callable

from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel

from eventyard.api import catalog
from eventyard.api.catalog import ServiceSpec
from eventyard.api.errors import WireError
from eventyard.api.validation import validate
from eventyard.core.errors import Violation, format_violations
from eventyard.core.identity import RequestContext

__all__ = ["Authorize", "Handler", "Invoker", "Resolver"]

Handler = Callable[[RequestContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
Resolver = Callable[[str, str], Handler | None]  # (service name, operation name) -> handler
# (service, operation, params, context) -> None, or raises the service's denial (--auth iam)
Authorize = Callable[[str, str, dict[str, Any], RequestContext], Awaitable[None]]


class Invoker:
    """Calls operations of the services ``resolve`` finds handlers for."""

    def __init__(self, resolve: Resolver, authorize: Authorize | None = None) -> None:
        self.resolve = resolve
        # set in --auth iam: every call is authorized after validation, before its handler
        self.authorize = authorize

    async def invoke(self, service: str, operation: str, params: dict[str, Any],
                     context: RequestContext) -> dict[str, Any]:
        """``operation`` of ``service`` (botocore's names: ``sqs``, ``SendMessage``) with
        ``params`` as botocore would send them, for the caller in ``context``."""
        try:
            spec = catalog.service(service)
        except (KeyError, UnknownServiceError):  # botocore knows it not, or eventyard serves it not
            raise WireError("UnknownServiceException", f"Service {service} is not known to eventyard.") from None
        model = spec.operations.get(operation)
        if model is None:
            raise WireError("UnknownOperationException", f"Operation {operation} is not supported by {spec.name}.")
        if context.operation != operation:  # access checks read the operation from the context
            context = replace(context, operation=operation)
        return (await self.call(spec, model, params, context)) or {}

    def call(self, spec: ServiceSpec, operation: OperationModel, params: dict[str, Any],
             context: RequestContext) -> Awaitable[dict[str, Any] | None]:
        """The hot path, for a caller that already holds the models: validates and
        resolves now, and hands back the handler's awaitable (no extra coroutine frame)."""
        violations = validate(params, operation.input_shape, check_enums=spec.enforces_enums)
        if violations:
            raise validation_error(spec, violations)
        handler = self.resolve(spec.name, operation.name)
        if handler is None:
            raise WireError("NotImplemented", f"{spec.name} {operation.name} is not implemented by eventyard yet.", 501)
        if self.authorize is not None:
            return self._authorized(self.authorize, spec.name, operation.name, handler, params, context)
        return handler(context, params)

    @staticmethod
    async def _authorized(authorize: Authorize, service: str, operation: str, handler: Handler,
                          params: dict[str, Any], context: RequestContext) -> dict[str, Any] | None:
        await authorize(service, operation, params, context)
        return await handler(context, params)


def validation_error(spec: ServiceSpec, violations: list[Violation]) -> WireError:
    """Shape-constraint failures, worded as each service words them."""
    if spec.validation == "sqs":
        first = violations[0]
        name = _pascal(first.path)
        if first.kind == "required":
            return WireError(
                "MissingRequiredParameterException",
                f"The request must contain the parameter {name}.",
                query_code="MissingParameter",
            )
        return WireError(
            "InvalidParameterValueException",
            f"Value {_shown(first.value)} for parameter {name} is invalid. Reason: {first.constraint}.",
            query_code="InvalidParameterValue",
        )
    if spec.validation == "sns":
        first = violations[0]
        parts = first.path.split(".")
        if "messageAttributes" in parts[:-1]:
            # inside a message attribute SNS answers in Coral's words, the map value as 'member'
            at = parts.index("messageAttributes") + 2
            path = ".".join(parts[:at] + ["member"] + parts[at:])
            return WireError("ValidationError", format_violations([replace(first, path=path)]), query_code="ValidationError")
        name = _pascal(first.path)
        reason = "no value for required parameter" if first.kind == "required" else first.constraint
        return WireError("InvalidParameterException", f"Invalid parameter: {name} Reason: {reason}", query_code="InvalidParameter")
    if spec.validation == "coral-logs":  # CloudWatch Logs: Coral's words under InvalidParameterException
        first = violations[0]
        if first.kind == "length" and first.path in ("logGroupName", "logStreamName") and \
                isinstance(first.value, str) and len(first.value) > 512:
            return WireError("InvalidParameterException",
                             "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
        return WireError("InvalidParameterException", format_violations(violations))
    if spec.validation == "coral-query":  # IAM, STS: Coral's words, the query code ValidationError
        return WireError("ValidationError", format_violations(violations))
    return WireError("ValidationException", format_violations(violations))


def _pascal(path: str) -> str:
    return ".".join(p[:1].upper() + p[1:] for p in path.split("."))


def _shown(value: object) -> str:
    return "null" if value is None else str(value)
