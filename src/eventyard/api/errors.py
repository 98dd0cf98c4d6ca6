"""Errors as they travel on the wire, and their rendering per protocol."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

import orjson

from eventyard.api.catalog import ServiceSpec
from eventyard.api.http import HttpResponse
from eventyard.core.errors import ServiceError


@dataclass
class WireError(Exception):
    """An error ready to render: code, message, HTTP status, and who is at fault."""

    code: str
    message: str
    status: int = 400
    sender_fault: bool = True
    # SQS over JSON: the legacy query code boto3 reports (x-amzn-query-error)
    query_code: str | None = None
    # more members of the error's shape, in a rest-json body (Lambda's ``Reason``)
    fields: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def from_service_error(err: ServiceError, spec: ServiceSpec | None) -> WireError:
    """Fill in status and legacy code from the service model's error shape."""
    trait = spec.error_trait(err.code) if spec else {}
    status = int(trait.get("httpStatusCode", 400 if err.sender_fault else 500))
    return WireError(
        code=err.code,
        message=err.message,
        status=status,
        sender_fault=trait.get("senderFault", err.sender_fault),
        query_code=trait.get("code"),
        fields=getattr(err, "fields", None),
    )


def render_json(err: WireError, spec: ServiceSpec | None, request_id: str, content_type: str) -> HttpResponse:
    headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id)]
    type_name = err.code
    if spec is not None and spec.query_compatible:
        # boto3 reads the legacy code from this header; it must be exactly "code;Sender|Receiver".
        legacy = err.query_code or err.code
        fault = "Sender" if err.sender_fault else "Receiver"
        headers.append(("x-amzn-query-error", f"{legacy};{fault}"))
        namespace = spec.model.metadata.get("targetPrefix", "")
        type_name = f"com.amazonaws.{spec.name}#{err.code}" if namespace else err.code
    body = orjson.dumps({"__type": type_name, "message": err.message})
    return HttpResponse(err.status, body, headers)


def render_query(err: WireError, spec: ServiceSpec | None, request_id: str) -> HttpResponse:
    code = err.query_code or err.code
    fault = "Sender" if err.sender_fault else "Receiver"
    ns = ""
    if spec is not None and spec.model.metadata.get("xmlNamespace"):
        ns = f' xmlns="{spec.model.metadata["xmlNamespace"]}"'
    elif spec is not None and spec.name == "sqs":
        ns = ' xmlns="http://queue.amazonaws.com/doc/2012-11-05/"'
    # SQS's error bodies carry an empty <Detail/>; those of the query services (SNS, IAM, STS) do not
    detail = "" if spec is not None and spec.protocol == "query" else "<Detail/>"
    body = (
        f"<ErrorResponse{ns}><Error><Type>{fault}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(err.message)}</Message>{detail}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return HttpResponse(err.status, body, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)])


def render_rest_json(err: WireError, request_id: str) -> HttpResponse:
    body = orjson.dumps({**(err.fields or {}), "message": err.message})
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", err.code),
    ]
    return HttpResponse(err.status, body, headers)
