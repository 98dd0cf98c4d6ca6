"""From an HTTP request to a service call and back, for every protocol.

    identify service + operation -> authenticate -> parse -> invoke -> serialize

The HTTP part lives here; validating, resolving and calling the handler is
``api.invoke.Invoker``'s, shared with in-process callers. Every failure on the way
becomes the AWS error of the service's protocol; nothing escapes as a 500 except a real
bug, and that one carries no traceback.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import structlog
from botocore.model import OperationModel

from eventyard.api import catalog, json_protocol, query_protocol, rest_json_protocol
from eventyard.api.auth import Authenticator
from eventyard.api.catalog import ServiceSpec
from eventyard.api.errors import (
    WireError,
    from_service_error,
    render_json,
    render_query,
    render_rest_json,
)
from eventyard.api.http import HttpRequest, HttpResponse
from eventyard.api.invoke import Invoker
from eventyard.api.metrics import RequestMetrics
from eventyard.core.errors import ServiceError
from eventyard.core.identity import DEFAULT_REGION, RequestContext
from eventyard.core.ids import request_id as new_request_id

log = structlog.get_logger("eventyard.api")

# A queue URL's path (AWS's ``/<account>/<name>``, or ``/queue/<region>/<account>/<name>``):
# the query API may be called on it, also with GET (AWS's "query requests on the queue URL").
_SQS_QUEUE_PATH = re.compile(r"^/(queue/[a-z0-9-]+/)?\d{12}/[^/]+/?$")
# Actions AWS refuses on a queue's URL: they do not act on a queue.
_SQS_NOT_ON_A_QUEUE_URL = frozenset({"CreateQueue", "ListQueues"})
_JSON_TYPES = frozenset({"application/x-amz-json-1.0", "application/x-amz-json-1.1"})


@dataclass
class Call:
    """What a request asks for, once identified."""

    protocol: str  # json | query | rest-json
    spec: ServiceSpec | None
    operation: OperationModel | None = None
    form: list[tuple[str, str]] | None = None
    labels: dict[str, str] | None = None
    json_type: str | None = None  # the JSON version a client sent, before the service is known


class Dispatcher:
    def __init__(self, invoker: Invoker, auth: Authenticator, metrics: RequestMetrics | None = None,
                 public_url: str | None = None) -> None:
        self.invoker = invoker
        self.auth = auth
        self.metrics = metrics
        self.public_url = public_url  # scheme://host[:port]; else each request's Host
        # whether request lines are logged (debug): asked once, at the first request, as
        # logging is configured at start-up; a filtered-out call still cost microseconds
        self._log_requests: bool | None = None

    def base_url(self, request: HttpRequest) -> str:
        """Where the client reaches this server, for the URLs handed out in answers."""
        if self.public_url is not None:
            return self.public_url
        try:
            return request.base_url
        except ValueError:
            raise WireError("InvalidHostHeader", "The Host header is not a valid host[:port].", 400) from None

    async def handle(self, request: HttpRequest) -> HttpResponse:
        rid = new_request_id()
        started = time.perf_counter()
        target = request.header("x-amz-target")
        call = self._client_call(request, target)  # errors before identification speak its protocol too
        error: str | None = None
        try:
            call = self._identify(request, call, target)
            response = await self._call(request, call, rid)
        except WireError as err:
            error = err.code
            response = self._render(err, call, rid)
        except ServiceError as err:
            error = err.code
            response = self._render(from_service_error(err, call.spec), call, rid)
        except Exception:  # a bug: log it, answer like AWS does, never leak a traceback
            log.exception("request failed", request_id=rid)
            internal = WireError("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500, sender_fault=False)
            error = internal.code
            response = self._render(internal, call, rid)
        seconds = time.perf_counter() - started
        service = call.spec.name if call.spec else None
        operation = call.operation.name if call.operation else None
        if self.metrics is not None:
            self.metrics.observe(service, operation, response.status, seconds)
        if self._log_requests is None:
            self._log_requests = bool(log.bind().is_enabled_for(logging.DEBUG))
        if self._log_requests:
            log.debug(
                "request",
                service=service,
                operation=operation,
                status=response.status,
                error=error,
                ms=round(seconds * 1000, 2),
                request_id=rid,
            )
        return response

    def refuse(self, request: HttpRequest, err: WireError) -> HttpResponse:
        """An error found before the request is read whole (its size), in the client's protocol."""
        return self._render(err, self._client_call(request, request.header("x-amz-target")), new_request_id())

    # -- identification ----------------------------------------------------
    def _identify(self, request: HttpRequest, call: Call, target: str | None) -> Call:
        if target:
            return self._identify_json(target)
        if self._looks_like_query(request):
            return self._identify_query(request, call)
        return self._identify_rest(request)

    @staticmethod
    def _looks_like_query(request: HttpRequest) -> bool:
        return request.content_type == "application/x-www-form-urlencoded" or any(
            k == "Action" for k, _ in request.query_params
        ) or (request.method == "GET" and _SQS_QUEUE_PATH.match(request.path) is not None)

    def _client_call(self, request: HttpRequest, target: str | None) -> Call:
        """The call as far as known before the service is: the protocol the client will
        parse an error in, so that an unknown service or operation gets a body its SDK reads."""
        if target:
            sent = request.content_type  # an unknown JSON service answers in the version sent
            return Call("json", None, json_type=sent if sent in _JSON_TYPES else None)
        if self._looks_like_query(request):
            return Call("query", None)
        signing_service, _ = self.auth.peek_scope(request)
        if signing_service and catalog.protocol_of(signing_service) in ("query", "ec2", "rest-xml"):
            return Call("query", None)  # botocore reads an <ErrorResponse> in all three
        return Call("rest-json", None)

    def _identify_json(self, target: str) -> Call:
        prefix, _, name = target.rpartition(".")
        spec = catalog.by_target_prefix().get(prefix)
        if spec is None:
            raise WireError("UnknownOperationException", f"Operation {target} is not supported by this endpoint.")
        call = Call("json", spec)
        call.operation = spec.operations.get(name)
        if call.operation is None:
            raise WireError("UnknownOperationException", f"Operation {name} is not supported by {spec.name}.")
        return call

    def _identify_query(self, request: HttpRequest, call: Call) -> Call:
        """Fills in ``call`` as it goes, so that an error on the way is answered in XML."""
        call.protocol = "query"
        form = query_protocol.form_params(request)
        call.form = form
        fields = dict(form)
        action, version = fields.get("Action"), fields.get("Version")
        signing_service, _ = self.auth.peek_scope(request)
        spec = catalog.by_query_version().get(version or "")
        if spec is None and signing_service:
            spec = catalog.by_signing_name().get(signing_service)
        on_queue_url = bool(_SQS_QUEUE_PATH.match(request.path))
        if spec is None and action:
            spec = next((s for s in (catalog.service("sns"), catalog.service("sqs")) if action in s.operations), None)
        if spec is None and on_queue_url:
            spec = catalog.service("sqs")
        call.spec = spec
        sqs = spec is not None and spec.name == "sqs"
        if not action:
            if sqs and on_queue_url:  # AWS: 404 and a bare <UnknownOperationException/>
                raise WireError("UnknownOperationException", "The request names no action.", 404)
            raise WireError("MissingAction", "The request must contain the parameter Action.")
        if spec is None:
            if signing_service:  # a service eventyard does not serve (sts, iam, ...): say so
                raise WireError("InvalidAction", f"The action {action} is not valid: service {signing_service} "
                                                 "is not supported by eventyard.")
            raise WireError("InvalidAction", f"The action {action} is not valid for this web service.")
        call.operation = spec.operations.get(action)
        if call.operation is None or (sqs and on_queue_url and request.method == "GET"
                                      and action in _SQS_NOT_ON_A_QUEUE_URL):
            where = "endpoint" if sqs else "web service"
            raise WireError("InvalidAction", f"The action {action} is not valid for this {where}.")
        return call

    def _identify_rest(self, request: HttpRequest) -> Call:
        signing_service, _ = self.auth.peek_scope(request)
        candidates = [s for s in catalog.all_services() if s.protocol == "rest-json"]
        if signing_service:
            scoped = [s for s in candidates if s.signing_name == signing_service]
            if not scoped and signing_service in catalog.by_signing_name():
                spec = catalog.by_signing_name()[signing_service]
                raise WireError(
                    "UnknownOperationException" if spec.protocol == "json" else "InvalidAction",
                    f"The request to {spec.name} names no operation.",
                )
            if not scoped:
                raise WireError("UnknownOperationException", f"Service {signing_service} is not supported by eventyard.", 400)
            candidates = scoped
        for spec in candidates:
            found = rest_json_protocol.match(spec.model, request)
            if found is not None:
                operation, labels = found
                return Call("rest-json", spec, operation, labels=labels)
        raise WireError("UnknownOperationException", f"No operation matches {request.method} {request.path}.", 404)

    # -- the call ----------------------------------------------------------
    async def _call(self, request: HttpRequest, call: Call, rid: str) -> HttpResponse:
        assert call.spec is not None and call.operation is not None
        spec, operation = call.spec, call.operation
        base_url = self.base_url(request)
        caller = await self.auth.identify(request, call.protocol, service=spec.signing_name,
                                          anonymous_region=_anonymous_region(call))
        params = self._parse(request, call, base_url)
        ctx = RequestContext(
            account=caller.account,
            region=caller.region,
            request_id=rid,
            access_key=caller.access_key,
            base_url=base_url,
            trace_header=request.header("x-amzn-trace-id"),
            operation=operation.name,
            principal_arn=caller.principal_arn,
            principal_id=caller.principal_id,
            session_policy=caller.session_policy,
        )
        result = await self.invoker.call(spec, operation, params, ctx)
        if call.protocol == "json":
            return json_protocol.serialize(result, operation, rid)
        if call.protocol == "query":
            return query_protocol.serialize(result, operation, rid)
        return rest_json_protocol.serialize(result, operation, rid)

    def _parse(self, request: HttpRequest, call: Call, base_url: str) -> dict[str, Any]:
        assert call.spec is not None and call.operation is not None
        if call.protocol == "json":
            return json_protocol.parse(request, call.operation)
        if call.protocol == "query":
            bad = "InvalidParameterValue" if call.spec.name == "sqs" else "InvalidParameter"
            form = call.form or []
            shape = call.operation.input_shape
            if (call.spec.name == "sqs" and request.path.strip("/") and shape is not None
                    and "QueueUrl" in shape.members and not any(k == "QueueUrl" for k, _ in form)):
                # Older SDKs (Java v1 among them) post to the queue URL and leave QueueUrl out.
                form = [*form, ("QueueUrl", base_url + request.path)]
            return query_protocol.parse(form, call.operation, bad)
        return rest_json_protocol.parse(request, call.operation, call.labels or {})

    def _render(self, err: WireError, call: Call, rid: str) -> HttpResponse:
        if call.protocol == "query":
            sqs = call.spec is not None and call.spec.name == "sqs"
            if sqs and err.code == "UnknownOperationException":  # SQS's answer on a queue URL, as AWS writes it
                return HttpResponse(err.status, b"<UnknownOperationException/>",
                                    [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)])
            if sqs and err.code == "QueueDoesNotExist":
                # SQS's query API words it so (AWS, recorded); its JSON API without the suffix
                err = WireError(err.code, "The specified queue does not exist for this wsdl version.",
                                err.status, err.sender_fault, err.query_code)
            return render_query(err, call.spec, rid)
        if call.protocol == "rest-json":
            return render_rest_json(err, rid)
        if call.operation is not None:
            content_type = json_protocol.content_type(call.operation)
        else:
            content_type = call.json_type or "application/x-amz-json-1.1"
        return render_json(err, call.spec, rid, content_type)


# Calls AWS takes unsigned: the URLs SNS puts in its messages (the ARN and token they
# carry are the credential), sent by whoever holds the message; and STS's web identity
# federation (the identity provider's token is the credential).
_ANONYMOUS = {("sns", "Unsubscribe"): "SubscriptionArn", ("sns", "ConfirmSubscription"): "TopicArn",
              ("sts", "AssumeRoleWithWebIdentity"): "RoleArn"}


def _anonymous_region(call: Call) -> str | None:
    """For a call AWS takes unsigned: the region of the resource it names, else None."""
    assert call.spec is not None and call.operation is not None
    field = _ANONYMOUS.get((call.spec.name, call.operation.name))
    if field is None or call.protocol != "query":
        return None
    arn = dict(call.form or []).get(field, "").split(":")
    return arn[3] if len(arn) > 4 and arn[3] else DEFAULT_REGION
