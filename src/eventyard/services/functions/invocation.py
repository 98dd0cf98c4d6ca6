"""Invoking functions: synchronously (``RequestResponse``), as a dry run, and
asynchronously (``Event``) through the durable outbox.

    Invoke -> resolve qualifier (alias weights) -> limits (payload, state, concurrency)
           -> code folder on this node -> runner.invoke -> logs to the sink -> answer

An ``Event`` invocation is one outbox row (origin ``lambda``, kind ``lambda``) written
before the 202 is answered, so a crash loses none; ``FunctionDeliverer`` runs it and
``AsyncPolicy`` (the origin) applies Lambda's retry policy: function errors are retried
``MaximumRetryAttempts`` times (default 2, about 1 and 2 minutes apart), throttles with a
backoff, none after ``MaximumEventAgeInSeconds`` (default 6 hours). Rows other services
write for a function target (EventBridge rules: origin ``events``; SNS ``lambda``
subscriptions: origin ``sns``) are turned into such an asynchronous invocation, as AWS's
services invoke functions asynchronously; their origin's retries then cover only the
hand-over.
"""

from __future__ import annotations

import asyncio
import base64
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import structlog

from eventyard.core import clock, ids
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import Delivered, Failure
from eventyard.runtime.wakeups import Wakeups
from eventyard.runtime.functions.types import FunctionCode, FunctionRunner, InvocationRequest, InvocationResult
from eventyard.services.functions import code, destinations, names, policy
from eventyard.services.functions.access import check_access
from eventyard.services.functions.concurrency import SharedConcurrency
from eventyard.services.functions.credentials import ExecutionRoleCredentials
from eventyard.services.functions.docs import FunctionDocs
from eventyard.services.functions.metrics import FunctionMetrics
from eventyard.services.functions.names import LATEST, FunctionRef
from eventyard.services.logs.types import LogEvent, LogSink
from eventyard.store import Session, Store
from eventyard.store.deliveries import DeliveryRecord, NewDelivery

if TYPE_CHECKING:
    from eventyard.runtime.delivery import DeliveryRuntime

log = structlog.get_logger("eventyard.functions")

ORIGIN = "lambda"
KIND = "lambda"
MAX_SYNC_PAYLOAD = 6_291_456
MAX_ASYNC_PAYLOAD = 1_048_576
MAX_CLIENT_CONTEXT = 3583
TAIL_BYTES = 4096
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE_S = 21_600
ACCOUNT_CONCURRENCY = 1000


@dataclass(frozen=True)
class Target:
    """What one invocation runs: the configuration of the version the qualifier picked."""

    config: dict[str, Any]
    executed_version: str
    reserved: int | None


class Throttled(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Invocations:
    def __init__(self, store: Store, runtime: "DeliveryRuntime", runner: FunctionRunner, state_dir: Path,
                 log_sink: LogSink | None = None, metrics: FunctionMetrics | None = None,
                 wakeups: Wakeups | None = None) -> None:
        self.store = store
        self.docs = FunctionDocs(store, wakeups)  # the documents invocations run from, kept between them
        self.runtime = runtime
        self.runner = runner
        self.state_dir = state_dir
        self._code_root = state_dir / "code"
        self.log_sink = log_sink
        # eventyard's URL for the functions' AWS_ENDPOINT_URL when no request tells it (rules, topics)
        self.base_url = "http://127.0.0.1:4566"
        self.running: dict[tuple[str, str, str], int] = {}  # (account, region, name) -> invocations running here
        self.running_in_account: dict[str, int] = {}
        self._unpacked_here: dict[str, Path] = {}  # archives known to be unpacked under state_dir, by SHA-256
        self.metrics = metrics
        self.role_credentials = ExecutionRoleCredentials()  # the registry wires STS in
        # reserved and account limits, across processes and nodes
        self.concurrency = SharedConcurrency(store, account_limit=ACCOUNT_CONCURRENCY)
        # --auth iam: a service (a rule, a topic) invokes only where the function's policy lets it
        self.enforce_resource_policy = False
        if metrics is not None:
            metrics.watch_running(lambda: self.running)
        # after the 1st and 2nd failed attempt of an asynchronous invocation (AWS: about 1 and 2 minutes)
        self.retry_delays_ms: tuple[int, ...] = (60_000, 120_000)

    # -- the API -----------------------------------------------------------------------
    async def invoke(self, ctx: RequestContext, ref: FunctionRef, req: dict[str, Any]) -> dict[str, Any]:
        kind = req.get("InvocationType") or "RequestResponse"
        payload = bytes(req.get("Payload") or b"")
        limit = MAX_ASYNC_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
        if len(payload) > limit:
            raise ServiceError("RequestEntityTooLargeException",
                               f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
        payload = _checked_json(payload)
        client_context = None
        if req.get("ClientContext"):
            if len(req["ClientContext"]) > MAX_CLIENT_CONTEXT:
                raise ServiceError("InvalidParameterValueException",
                                   f"Client context must be smaller than {MAX_CLIENT_CONTEXT} bytes.")
            try:
                client_context = base64.b64decode(req["ClientContext"], validate=True).decode()
            except ValueError:
                raise ServiceError("InvalidRequestContentException",
                                   "Client context must be a valid Base64-encoded JSON object.") from None
        doc = await self.docs.get(ref.account, ref.region, ref.name)
        target = pick(doc, ref)
        assert doc is not None
        check_access(ctx, ref, doc)
        if kind == "DryRun":
            return {"StatusCode": 204}
        if kind == "Event":
            await self.accept_async(ref, payload, ctx.base_url)
            return {"StatusCode": 202}
        try:
            result = await self.run(ref, target, payload, ctx.request_id, ctx.base_url, client_context)
        except Throttled as exc:
            raise TooManyRequests(exc.reason) from None
        answer: dict[str, Any] = {"StatusCode": 200, "Payload": result.payload,
                                  "ExecutedVersion": target.executed_version}
        if result.function_error:
            answer["FunctionError"] = result.function_error
        if req.get("LogType") == "Tail":
            text = "".join(line.message for line in result.log_lines).encode()
            answer["LogResult"] = base64.b64encode(text[-TAIL_BYTES:]).decode()
        return answer

    async def accept_async(self, ref: FunctionRef, payload: bytes, base_url: str) -> None:
        """An ``Event`` invocation, kept in the outbox before it is acknowledged."""

        def accept(s: Session) -> None:
            doc = s.functions.get(ref.account, ref.region, ref.name)
            if doc is None:
                raise names.not_found(ref)
            target = pick(doc, ref)
            config = doc["event_invoke"].get(ref.qualifier or LATEST) or doc["event_invoke"].get(
                target.executed_version) or {}
            now = clock.now_ms()
            s.deliveries.add([NewDelivery(
                origin=ORIGIN, account_id=ref.account, region=ref.region, target_kind=KIND,
                target={"arn": ref.qualified_arn},
                payload={"body": payload.decode(), "context": {
                    "request_id": ids.uuid4(), "base_url": base_url,
                    "max_retries": config.get("MaximumRetryAttempts", DEFAULT_RETRIES),
                    "max_age_ms": 1000 * int(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)),
                    # where the outcome goes, as configured when the invocation was accepted
                    "on_success": ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination"),
                    "on_failure": ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
                    "dead_letter": (target.config.get("DeadLetterConfig") or {}).get("TargetArn")}},
                created_at=now, due_at=now)])

        await self.store.write(accept)
        self.runtime.kick()

    async def run(self, ref: FunctionRef, target: Target, payload: bytes, request_id: str, base_url: str,
                  client_context: str | None = None) -> InvocationResult:
        """One invocation on this node, counted against the function's and the account's
        concurrency (``Throttled`` when either is used up)."""
        config = target.config
        if target.executed_version == LATEST and config.get("State") == "Pending":
            raise ServiceError("ResourceConflictException", "The operation cannot be performed at this time. "
                               "The function is currently in the following state: Pending")
        key = (ref.account, ref.region, ref.name)
        # the limits hold across every process and node of the store (concurrency.py)
        throttled = await self.concurrency.enter(ref.account, ref.region, ref.name, target.reserved)
        if throttled is not None:
            self._throttled(ref)
            raise Throttled(throttled)
        try:
            function_code = await self._code(ref, target, base_url)
        except BaseException:
            await self.concurrency.leave(ref.account, ref.region, ref.name, target.reserved)
            raise
        self.running[key] = self.running.get(key, 0) + 1
        self.running_in_account[ref.account] = self.running_in_account.get(ref.account, 0) + 1
        try:
            request = InvocationRequest(request_id, payload, client_context, None, ref.qualified_arn)
            result = await self.runner.invoke(function_code, request)
        finally:
            self.running[key] -= 1
            self.running_in_account[ref.account] -= 1
            await self.concurrency.leave(ref.account, ref.region, ref.name, target.reserved)
        if self.metrics is not None:
            self.metrics.count_invocation(ref.arn, result.duration_ms, result.function_error is not None)
        self._write_logs(ref, function_code, result)
        return result

    def _throttled(self, ref: FunctionRef) -> None:
        if self.metrics is not None:
            self.metrics.count_throttle(ref.arn)

    def _write_logs(self, ref: FunctionRef, function_code: FunctionCode, result: InvocationResult) -> None:
        """The invocation's lines to its stream, written off the invoker's path."""
        if self.log_sink is None or not result.log_lines:
            return
        try:
            self.log_sink.append(ref.account, ref.region, function_code.log_group, result.log_stream,
                                 [LogEvent(line.timestamp_ms, line.message) for line in result.log_lines])
        except Exception:  # logs never fail an invocation
            log.exception("functions.log_write_failed", function=ref.name)

    async def _code(self, ref: FunctionRef, target: Target, base_url: str) -> FunctionCode:
        config = target.config
        entry = config.get("_code", {})
        cache = self._code_root
        revision = str(config.get("RevisionId", ""))
        if entry.get("kind") == "folder":
            folder = Path(entry["path"])
            revision += ":" + await asyncio.to_thread(code.folder_revision, folder)
        else:
            folder = await self._unpacked(cache, entry["sha"])
        layers = tuple([await self._unpacked(cache, layer["_sha"]) for layer in config.get("Layers") or []])
        variables = (config.get("Environment") or {}).get("Variables") or {}
        logging = config.get("LoggingConfig") or {}
        role = await self.role_credentials.for_function(ref.account, ref.name, str(config.get("Role") or ""))
        if role.stamp:  # fresh credentials start fresh workers; the others retire when idle
            revision += ":" + role.stamp
        return FunctionCode(
            function_arn=ref.arn, version=target.executed_version, account_id=ref.account, region=ref.region,
            function_name=ref.name, runtime=str(config.get("Runtime")), handler=str(config.get("Handler")),
            code_dir=folder, layer_dirs=layers, environment=dict(variables), memory_mb=int(config["MemorySize"]),
            timeout_s=int(config["Timeout"]), log_group=logging.get("LogGroup", f"/aws/lambda/{ref.name}"),
            log_format=logging.get("LogFormat", "Text"), revision=revision, endpoint_url=base_url,
            credentials=(role.key_id, role.secret, role.token), live_code=entry.get("kind") == "folder")

    async def _unpacked(self, cache: Path, sha_hex: str) -> Path:
        known = self._unpacked_here.get(sha_hex)
        if known is not None:  # unpacked archives are never removed: no stat (nor path) per invoke
            return known
        folder = cache / sha_hex
        if folder.is_dir():
            self._unpacked_here[sha_hex] = folder
            return folder
        archive = await self.store.read(lambda s: s.functions.archive(sha_hex))
        unpacked = await asyncio.to_thread(code.unpacked, cache, sha_hex, archive)
        self._unpacked_here[sha_hex] = unpacked
        return unpacked


class TooManyRequests(ServiceError):
    """429 with the ``Reason`` Lambda gives."""

    def __init__(self, reason: str) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.fields = {"Reason": reason, "Type": "User"}


def pick(doc: dict[str, Any] | None, ref: FunctionRef) -> Target:
    """The version an invocation of ``ref`` runs (an alias's weights decide at random)."""
    if doc is None:
        raise names.not_found(ref)
    q = ref.qualifier
    reserved = doc.get("reserved")
    if q in (None, LATEST):
        return Target(doc["latest"], LATEST, reserved)
    if q in doc["versions"]:
        return Target(doc["versions"][q], q, reserved)
    alias = doc["aliases"].get(q)
    if alias is None:
        raise names.not_found(ref)
    version = alias["FunctionVersion"]
    for extra, weight in ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items():
        if random.random() < float(weight):
            version = extra
    config = doc["latest"] if version == LATEST else doc["versions"].get(version)
    if config is None:
        raise names.not_found(ref, version)
    return Target(config, version, reserved)


def _checked_json(payload: bytes) -> bytes:
    if not payload.strip():
        return b"{}"
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ServiceError("InvalidRequestContentException",
                           f"Could not parse request body into json: Could not parse payload into json: {exc}") from None
    return payload


# -- the outbox side ---------------------------------------------------------------------
class FunctionDeliverer:
    """Kind ``lambda``: rows of origin ``lambda`` are run (one asynchronous invocation);
    rows of other origins (``events``, ``sns``) are handed over as a new asynchronous
    invocation, with the event Lambda gives for that source."""

    def __init__(self, invocations: Invocations) -> None:
        self.invocations = invocations

    async def deliver(self, record: DeliveryRecord) -> Failure | Delivered | None:
        ctx = RequestContext(account=record.account_id, region=record.region)
        try:
            ref = names.resolve(ctx, record.target["arn"])
        except ServiceError as err:
            return Failure(err.code, err.message, retryable=False)
        if record.origin != ORIGIN:
            return await self._hand_over(ref, record)
        context = record.payload["context"]
        try:
            doc = await self.invocations.docs.get(ref.account, ref.region, ref.name)
            target = pick(doc, ref)
            result = await self.invocations.run(ref, target, record.payload["body"].encode(), context["request_id"],
                                                context.get("base_url") or self.invocations.base_url)
        except Throttled as exc:
            return Failure("TooManyRequestsException", exc.reason)
        except ServiceError as err:
            return Failure(err.code, err.message, retryable=err.code == "ResourceConflictException")
        if result.function_error:
            return Failure("Unhandled", orjson.dumps({"version": target.executed_version,
                                                      "payload": result.payload.decode(errors="replace")}).decode())
        if context.get("on_success"):
            return Delivered({"version": target.executed_version, "payload": result.payload.decode(errors="replace")})
        return None

    async def _hand_over(self, ref: FunctionRef, record: DeliveryRecord) -> Failure | None:
        body: str = record.payload["body"]
        if self.invocations.enforce_resource_policy:
            refused = await self._refused(ref, record)
            if refused is not None:
                return refused
        if record.origin == "sns":
            body = sns_event(body, record.payload.get("context", {}).get("subscription_arn", ""))
        try:
            await self.invocations.accept_async(ref, body.encode(), self.invocations.base_url)
        except ServiceError as err:
            return Failure(err.code, err.message)
        return None

    async def _refused(self, ref: FunctionRef, record: DeliveryRecord) -> Failure | None:
        """Why the function's policy does not let this row's service invoke it, or None."""
        context = record.payload.get("context") or {}
        if record.origin == "events":
            service, source = "events.amazonaws.com", str(context.get("rule_arn", ""))
        elif record.origin == "sns":
            service, source = "sns.amazonaws.com", str(context.get("subscription_arn", "")).rpartition(":")[0]
        else:
            return None
        doc = await self.invocations.store.read(lambda s: s.functions.get(ref.account, ref.region, ref.name))
        if doc is None or policy.service_may_invoke(doc, ref, service, source, record.account_id):
            return None  # a missing function fails in accept_async, as before
        return Failure("NO_PERMISSIONS", f"{service} is not authorized to perform: {policy.INVOKE} on resource: "
                       f"{ref.qualified_arn} because no resource-based policy allows the {policy.INVOKE} action",
                       retryable=False)


def sns_event(notification_text: str, subscription_arn: str) -> str:
    """The event a function subscribed to a topic gets: ``Records[].Sns``."""
    n = orjson.loads(notification_text)
    sns = {"Type": n.get("Type", "Notification"), "MessageId": n.get("MessageId"), "TopicArn": n.get("TopicArn"),
           "Subject": n.get("Subject"), "Message": n.get("Message"), "Timestamp": n.get("Timestamp"),
           "SignatureVersion": n.get("SignatureVersion", "1"), "Signature": n.get("Signature"),
           "SigningCertUrl": n.get("SigningCertURL"), "UnsubscribeUrl": n.get("UnsubscribeURL"),
           "MessageAttributes": n.get("MessageAttributes", {})}
    return orjson.dumps({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                                      "EventSubscriptionArn": subscription_arn, "Sns": sns}]}).decode()


class AsyncPolicy:
    """Origin ``lambda``: Lambda's retry policy for asynchronous invocations."""

    THROTTLE_BACKOFF_MS = (1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000)

    def __init__(self, invocations: Invocations) -> None:
        self.invocations = invocations

    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None:
        context = record.payload["context"]
        if now - record.created_at >= int(context.get("max_age_ms", DEFAULT_MAX_AGE_S * 1000)):
            return None  # EventAgeExceeded
        if failure.code in ("TooManyRequestsException", "ResourceConflictException", "InternalException"):
            delays = self.THROTTLE_BACKOFF_MS
            return now + delays[min(record.attempts - 1, len(delays) - 1)]
        if record.attempts > int(context.get("max_retries", DEFAULT_RETRIES)):
            return None  # RetriesExhausted
        delays_ms = self.invocations.retry_delays_ms
        return now + delays_ms[min(record.attempts - 1, len(delays_ms) - 1)]

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        """A failed invocation's record to ``OnFailure``, its event to the dead-letter queue."""
        context = record.payload["context"]
        aged = now - record.created_at >= int(context.get("max_age_ms", DEFAULT_MAX_AGE_S * 1000))
        version, response, error = LATEST, None, None
        if failure.code == "Unhandled":
            outcome = orjson.loads(failure.message)
            version, response, error = outcome["version"], outcome["payload"], "Unhandled"
        try:
            if context.get("on_failure"):
                doc = destinations.invocation_record(record, "EventAgeExceeded" if aged else "RetriesExhausted",
                                                     version, response, error, now)
                destinations.send_record(s, record, context["on_failure"], doc, False, now)
            if context.get("dead_letter"):
                destinations.send_dead_letter(s, record, context["dead_letter"], response or failure.message, now)
        except Exception:  # give_up must not raise: the row is dropped either way
            log.exception("functions.failure_destination_failed", function=record.target.get("arn"))
        log.info("functions.async_failed", function=record.target.get("arn"), error=failure.code,
                 attempts=record.attempts)

    def apply_result(self, s: Session, record: DeliveryRecord, result: Any, now: int) -> None:
        """A successful invocation's record to ``OnSuccess``."""
        try:
            doc = destinations.invocation_record(record, "Success", result["version"], result["payload"], None, now)
            destinations.send_record(s, record, record.payload["context"]["on_success"], doc, True, now)
        except Exception:
            log.exception("functions.success_destination_failed", function=record.target.get("arn"))

    def delivered(self, record: DeliveryRecord, now: int) -> None:
        return None

    def committed(self) -> None:
        return None
