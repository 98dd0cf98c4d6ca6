"""Task resources: what a Task state's ``Resource`` calls, through the in-process seam
(``api.invoke``), and the error names Step Functions gives the answers.

- Optimized integrations (``arn:aws:states:::sqs:sendMessage``, ``sns:publish``,
  ``events:putEvents``, ``states:startExecution``), request-response, ``.waitForTaskToken``
  (the call is made, the callback answers) and, for ``startExecution``, ``.sync`` /
  ``.sync:2`` (the child execution's end answers).
- ``arn:aws:states:::aws-sdk:<service>:<action>``: any operation eventyard serves, its
  parameters in PascalCase, its errors ``<Service>.<Error>Exception`` (AWS's SDK
  integration naming: the service in PascalCase, "Exception" added when missing).
- Lambda (``lambda:invoke`` and function ARNs) goes through the same seam to the Lambda
  service (``lambda_task``); until it is served the call fails as AWS fails a missing
  function.
- The HTTP task (``http:invoke``) calls out through EventBridge connections (``http_task``).
- In ``--auth iam`` (``enforcer`` set) a task calls as its execution's role (an
  assumed-role session), checked by the same enforcer as API callers; a denial fails the
  task with the name AWS gives it (``SQS.AmazonSQSException``, ``Sqs.SqsException``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import Event, InvokeTask, TaskFailed, TaskSubmitted, TaskSucceeded
from eventyard.core.states.errors import PERMISSIONS
from eventyard.core.states.payload import compact
from eventyard.services.stepfunctions._base import Invoke
from eventyard.services.stepfunctions.http_task import CONNECTION_ERROR, HttpTaskFailed, HttpTasks
from eventyard.services.stepfunctions.lambda_task import (
    LambdaTaskFailed,
    invoke_request,
    is_function_arn,
    legacy_request,
    missing_function,
    refused,
    task_output,
)
from eventyard.store import Session, Store
from eventyard.store.connections import ConnectionRecord
from eventyard.store.states import ExecutionRecord, TaskRecord

if TYPE_CHECKING:
    from eventyard.services.authorization import Enforcer
    from eventyard.services.sqs.inbound import QueueWriter
    from eventyard.services.stepfunctions.driver import AfterCommit

_PREFIX = "arn:aws:states:::"
_SUFFIXES = (".waitForTaskToken", ".sync:2", ".sync")
# aws-sdk service names that differ from botocore's, and their error prefixes
_SDK_SERVICES = {"sfn": "stepfunctions", "eventbridge": "events"}
_SDK_ERROR_PREFIX = {"sqs": "Sqs", "sns": "Sns", "eventbridge": "EventBridge", "sfn": "Sfn", "lambda": "Lambda"}
# the optimized integrations' error prefixes
_OPTIMIZED_PREFIX = {"sqs": "SQS", "sns": "SNS", "events": "EventBridge", "states": "StepFunctions",
                     "lambda": "Lambda"}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else compact(value)


def _plain(value: Any) -> Any:
    """A service's answer as JSON values (timestamps as epoch seconds, blobs as base64)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _pascal(value: Any) -> Any:
    """aws-sdk answers: member names in PascalCase, as Step Functions shows them."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def _as_model(value: Any, shape: Any) -> Any:
    """PascalCase parameters onto a model's member names (camelCase for some services)."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = members.get(key.lower(), key)
            out[name] = _as_model(item, shape.members.get(name))
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_as_model(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _as_model(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, (int, float, str)):
        return value
    return value


# An access denial, as a task's error: (optimized integration's error, the SDK's service
# name in the cause, its error code there, HTTP status). SQS, Lambda and Step Functions do
# not model a denial, so the SDK's generic exception names it (as SQS's MissingParameter
# is SQS.AmazonSQSException, recorded); SNS and EventBridge model theirs.
_DENIED: dict[str, tuple[str, str, str, int]] = {
    "sqs": ("SQS.AmazonSQSException", "AmazonSQS", "AccessDenied", 403),
    "sns": ("SNS.AuthorizationErrorException", "AmazonSNS", "AuthorizationError", 403),
    "events": ("EventBridge.AccessDeniedException", "AmazonEventBridge", "AccessDeniedException", 400),
    "stepfunctions": ("StepFunctions.AWSStepFunctionsException", "AWSStepFunctions", "AccessDeniedException", 400),
    "lambda": ("Lambda.AWSLambdaException", "AWSLambda", "AccessDeniedException", 403),
}
# the aws-sdk integration's names (SDK v2: the generic one is <Service>Exception)
_DENIED_SDK = {"sqs": "SqsException", "sns": "AuthorizationErrorException", "events": "AccessDeniedException",
               "stepfunctions": "SfnException", "lambda": "LambdaException"}


def role_session(role_arn: str, execution_arn: str, account: str) -> str:
    """The assumed-role ARN a task calls as: the execution role's session in the
    execution's account (a role named elsewhere, or not at all, is then a role this
    account does not have: no policy allows it anything), its session name derived from
    the execution, 32 letters as Step Functions' are."""
    role_name = role_arn.rsplit("/", 1)[-1] if ":role/" in role_arn else ""
    digest = hashlib.sha256(execution_arn.encode()).digest()
    session = "".join("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[b % 52] for b in digest[:32])
    return f"arn:aws:sts::{account}:assumed-role/{role_name or 'none'}/{session}"


def denied(service: str, refusal: ServiceError, request_id: str, sdk_prefix: str | None) -> "_TaskError":
    """The task's error for the enforcer's refusal of its call (``sdk_prefix``: the
    aws-sdk integration's service prefix, None for an optimized integration)."""
    error, sdk_name, code, status = _DENIED.get(service, (f"{service}.AccessDeniedException", service,
                                                          refusal.code, 400))
    if sdk_prefix is not None:
        name = _DENIED_SDK.get(service, f"{sdk_prefix}Exception")
        return _TaskError(f"{sdk_prefix}.{name}", f"{refusal.message} (Service: {sdk_prefix}, Status Code: {status}, "
                                                  f"Request ID: {request_id})")
    return _TaskError(error, f"{refusal.message} (Service: {sdk_name}; Status Code: {status}; Error Code: {code}; "
                             f"Request ID: {request_id}; Proxy: null)")


def task_role_of(credentials: Any) -> str | None:
    """The role a task's ``Credentials`` name (``RoleArn``, evaluated), if any."""
    role = credentials.get("RoleArn") if isinstance(credentials, dict) else None
    return role if isinstance(role, str) and role else None


def _account_of_role(role_arn: str) -> str | None:
    parts = role_arn.split(":")
    return parts[4] if len(parts) >= 6 and parts[2] == "iam" and parts[4].isdigit() else None


def machine_of_execution(execution_arn: str) -> str:
    """The state machine an execution (Standard, Express, or a map run's child) runs:
    the one its ARN names, without a Map's label."""
    for kind in (":execution:", ":express:"):
        head, found, rest = execution_arn.partition(kind)
        if found:
            return f"{head}:stateMachine:{rest.split(':', 1)[0].split('/', 1)[0]}"
    return execution_arn


def child_execution_arn(machine_arn: str, name: str) -> str:
    """The execution ARN StartExecution gives ``name`` on ``machine_arn`` (a machine,
    a version or an alias of it)."""
    head, _, rest = machine_arn.partition(":stateMachine:")
    return f"{head}:execution:{rest.split(':', 1)[0]}:{name}"


def _code_of(exc: Exception) -> tuple[str, str, int]:
    code = str(getattr(exc, "code", type(exc).__name__))
    message = str(getattr(exc, "message", exc))
    status = int(getattr(exc, "status", 400) or 400)
    return code, message, status


# the EventBridge rule AWS manages for startExecution.sync (named in its IAM policy docs)
_SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
_SEND_MESSAGE = _PREFIX + "sqs:sendMessage"
_SEND_MESSAGE_PATTERNS = (_SEND_MESSAGE, _SEND_MESSAGE + ".waitForTaskToken")


class Integrations:
    def __init__(self, store: Store, invoke: Invoke | None, queue_writer: "QueueWriter | None" = None) -> None:
        self.store = store
        self.invoke = invoke
        self.queue_writer = queue_writer  # sqs:sendMessage inside the transition's unit of work
        # where clients reach this server (the URLs in answers, e.g. GetQueueUrl's): the
        # last request's, as a task runs without one
        self.public_url = "http://localhost:4566"
        # the HTTP task's caller (EventBridge connections, outbound HTTP), set by the registry
        self.http_tasks: HttpTasks | None = None
        # --auth iam: tasks call as their execution's role, checked by this enforcer
        self.enforcer: "Enforcer | None" = None

    async def call(self, p: dict[str, Any], after: "AfterCommit") -> Event | None:
        """Make the task's call; its answer as an interpreter event: TaskSubmitted when a
        callback (``.waitForTaskToken``) or a child execution (``.sync``) will answer."""
        resource, pattern = p["resource"], p["pattern"]
        account = p["account"]
        principal = self._principal(p.get("role"), p["arn"], account)
        task_role = task_role_of(p.get("credentials"))
        if task_role is not None:  # the task runs as the role its Credentials name, in that role's account
            if principal is not None:
                try:
                    await self._assume(task_role, principal, p)
                except _TaskError as failed:
                    return TaskFailed(p["task"], failed.error, failed.cause, 0)
            account = _account_of_role(task_role) or account
            principal = role_session(task_role, p["arn"], account) if self.enforcer is not None else None
        context = RequestContext(account=account, region=p["region"], base_url=self.public_url,
                                 principal_arn=principal)
        if resource.startswith(_PREFIX):
            target = resource[len(_PREFIX):]
            for suffix in _SUFFIXES:
                if target.endswith(suffix):
                    target = target[: -len(suffix)]
                    break
        else:
            target = resource
        parameters = p["parameters"] if isinstance(p["parameters"], dict) else {}
        try:
            if is_function_arn(resource):  # the whole state input is the event, the answer the output
                output = await self._lambda(legacy_request(resource, p["parameters"]), context, legacy=True)
            elif target.startswith("aws-sdk:"):
                _, service, action = target.split(":", 2)
                output = await self._sdk(service, action, parameters, context)
            else:
                output = await self._optimized(target, parameters, context, p)
        except (_TaskError, HttpTaskFailed, LambdaTaskFailed) as failed:
            return TaskFailed(p["task"], failed.error, failed.cause, 0)
        if pattern == "waitForTaskToken":  # the callback answers; history shows the call's own answer
            return TaskSubmitted(p["task"], output, 0)
        if pattern in ("sync", "sync:2") and target == "states:startExecution":
            p["child"] = output["ExecutionArn"]
            return TaskSubmitted(p["task"], output, 0)
        return TaskSucceeded(p["task"], output, 0)

    def _principal(self, role_arn: str | None, execution_arn: str, account: str) -> str | None:
        """Whom a task calls as: in --auth iam its execution role's session, else no one
        (in-process work acts as the account)."""
        if self.enforcer is None or role_arn is None or not execution_arn:
            return None
        return role_session(role_arn, execution_arn, account)

    async def _assume(self, task_role: str, principal: str, p: dict[str, Any]) -> None:
        """The execution role must be allowed to assume the task's role (its policies and
        the task role's trust policy, as STS judges AssumeRole)."""
        assert self.enforcer is not None
        context = RequestContext(account=p["account"], region=p["region"], base_url=self.public_url,
                                 principal_arn=principal, operation="AssumeRole")
        try:
            await self.enforcer.authorize("sts", "AssumeRole", {"RoleArn": task_role}, context)
        except ServiceError as refusal:
            raise _TaskError(PERMISSIONS, f"{refusal.message} (Service: AWSSecurityTokenService; Status Code: 403; "
                                          f"Error Code: AccessDenied; Request ID: {context.request_id}; "
                                          f"Proxy: null)") from None

    async def _authorize_action(self, action: str, resources: tuple[str, ...], context: RequestContext,
                                conditions: dict[str, Any] | None = None) -> ServiceError | None:
        """The enforcer's refusal of an action Step Functions takes for the task (None:
        allowed, or nothing to check)."""
        if self.enforcer is None or context.principal_arn is None:
            return None
        from eventyard.services.authorization import RequestedAccess

        try:
            await self.enforcer.authorize_action(action.partition(":")[0], RequestedAccess(
                action, resources, condition_keys=conditions or {}), context)
        except ServiceError as refusal:
            return refusal
        return None

    async def _authorize_http(self, params: dict[str, Any], context: RequestContext, execution_arn: str) -> None:
        """AWS's HTTP task permissions: ``states:InvokeHTTPEndpoint`` on the state machine,
        with the method and endpoint as condition keys (a refusal is States.Permissions)."""
        method, endpoint = params.get("Method"), params.get("ApiEndpoint")
        conditions = {f"states:{k}": v for k, v in (("HTTPMethod", method), ("HTTPEndpoint", endpoint))
                      if isinstance(v, str)}
        refusal = await self._authorize_action("states:InvokeHTTPEndpoint", (machine_of_execution(execution_arn),),
                                               context, conditions)
        if refusal is not None:
            raise HttpTaskFailed(PERMISSIONS, refusal.message)

    def _connection_check(self, context: RequestContext) -> Callable[[ConnectionRecord], Awaitable[None]]:
        """What the HTTP task's role needs of its connection: its credentials
        (``events:RetrieveConnectionCredentials``) and the connection's secret
        (``secretsmanager:GetSecretValue`` and ``DescribeSecret``); a refusal is
        ``Events.ConnectionResource.AccessDenied``."""

        async def check(connection: ConnectionRecord) -> None:
            asked = [("events:RetrieveConnectionCredentials", connection.arn)]
            if connection.secret_arn:
                asked += [("secretsmanager:GetSecretValue", connection.secret_arn),
                          ("secretsmanager:DescribeSecret", connection.secret_arn)]
            for action, resource in asked:
                refusal = await self._authorize_action(action, (resource,), context)
                if refusal is not None:
                    raise HttpTaskFailed(CONNECTION_ERROR + "AccessDenied", refusal.message)

        return check

    async def check_managed_rules(self, definition: str, role_arn: str, account: str, region: str) -> None:
        """CreateStateMachine/UpdateStateMachine under --auth iam: a ``.sync`` task needs
        its execution role to manage the EventBridge rule Step Functions follows the
        child with (``events:PutTargets``, ``PutRule``, ``DescribeRule``, managed by
        states.amazonaws.com); AWS refuses the definition otherwise."""
        if self.enforcer is None or not any(_PREFIX + "states:startExecution" + suffix in definition
                                            for suffix in (".sync\"", ".sync:2\"")):
            return
        context = RequestContext(account=account, region=region, base_url=self.public_url,
                                 principal_arn=role_session(role_arn, f"{role_arn}|managed-rule", account))
        rule = f"arn:aws:events:{region}:{account}:rule/{_SYNC_EXECUTION_RULE}"
        for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
            if await self._authorize_action(action, (rule,), context, {"events:ManagedBy": "states.amazonaws.com"}):
                raise ServiceError("AccessDeniedException", f"'{role_arn}' is not authorized to create managed-rule.")

    async def _authorize(self, service: str, operation: str, params: dict[str, Any], context: RequestContext,
                         sdk_prefix: str | None) -> None:
        if self.enforcer is None or context.principal_arn is None:
            return
        try:
            await self.enforcer.authorize(service, operation, params, context)
        except ServiceError as refusal:
            raise denied(service, refusal, context.request_id, sdk_prefix) from None

    async def _call(self, service: str, operation: str, params: dict[str, Any], context: RequestContext,
                    prefix: str, *, sdk: bool = False) -> dict[str, Any]:
        if self.invoke is None:
            raise _TaskError("States.Runtime", "No in-process invoker is configured.")
        await self._authorize(service, operation, params, context, prefix if sdk else None)
        try:
            return _plain(await self.invoke(service, operation, params, context))
        except Exception as exc:  # the service refused: AWS's name for the error, its message as cause
            code, message, status = _code_of(exc)
            error = code if code.endswith("Exception") else code + "Exception"
            cause = (f"{message} (Service: {prefix}, Status Code: {status}, Request ID: {context.request_id})")
            if code in ("UnknownOperationException", "UnknownServiceException"):
                raise _TaskError("States.Runtime", message) from None
            raise _TaskError(f"{prefix}.{error}", cause) from None

    async def _sdk(self, service: str, action: str, parameters: dict[str, Any],
                   context: RequestContext) -> Any:
        botocore_name = _SDK_SERVICES.get(service, service)
        operation = action[:1].upper() + action[1:]
        prefix = _SDK_ERROR_PREFIX.get(service, service[:1].upper() + service[1:])
        params = parameters
        try:
            from eventyard.api import catalog  # the models only; no HTTP

            model = catalog.service(botocore_name).operations.get(operation)
            if model is not None:
                params = _as_model(parameters, model.input_shape)
        except Exception:
            pass
        return _pascal(await self._call(botocore_name, operation, params, context, prefix, sdk=True))

    async def _optimized(self, target: str, parameters: dict[str, Any], context: RequestContext,
                         p: dict[str, Any]) -> Any:
        service, _, action = target.partition(":")
        prefix = _OPTIMIZED_PREFIX.get(service, service.upper())
        params = dict(parameters)
        if target == "sqs:sendMessage":
            if "MessageBody" in params:
                params["MessageBody"] = _text(params["MessageBody"])
            return await self._call("sqs", "SendMessage", params, context, prefix)
        if target == "sns:publish":
            if "Message" in params:
                params["Message"] = _text(params["Message"])
            return await self._call("sns", "Publish", params, context, prefix)
        if target == "events:putEvents":
            entries = [dict(e) for e in params.get("Entries", [])]
            for entry in entries:
                if "Detail" in entry:
                    entry["Detail"] = _text(entry["Detail"])
            params["Entries"] = entries
            answer = await self._call("events", "PutEvents", params, context, prefix)
            if answer.get("FailedEntryCount"):
                raise _TaskError("EventBridge.FailedEntry", _text(answer))
            return answer
        if target == "states:startExecution":
            request: dict[str, Any] = {"stateMachineArn": params.get("StateMachineArn", "")}
            if "Input" in params:
                request["input"] = _text(params["Input"])
            if "Name" in params:
                request["name"] = params["Name"]
            if p["pattern"] in ("sync", "sync:2") and context.principal_arn is not None:
                # .sync follows the child with DescribeExecution: the role must be allowed it
                request.setdefault("name", str(uuid.uuid4()))
                child = child_execution_arn(request["stateMachineArn"], request["name"])
                refusal = await self._authorize_action("states:DescribeExecution", (child,), context)
                if refusal is not None:
                    raise denied("stepfunctions", refusal, context.request_id, None)
            answer = await self._call("stepfunctions", "StartExecution", request, context, prefix)
            return {"ExecutionArn": answer["executionArn"], "StartDate": answer["startDate"]}
        if target == "http:invoke":
            if self.http_tasks is None:
                raise _TaskError("States.Runtime", "The HTTP task is not available on this server.")
            await self._authorize_http(params, context, p["arn"])
            return await self.http_tasks.invoke(params, context.account, context.region, trace=p.get("trace"),
                                                reveal_secrets=bool(p.get("reveal_secrets")),
                                                check=self._connection_check(context))
        if target == "lambda:invoke":
            return await self._lambda(invoke_request(params), context, legacy=False)
        raise _TaskError("States.Runtime", f"The resource provided {_PREFIX}{target} is not supported by eventyard.")

    async def _lambda(self, request: dict[str, Any], context: RequestContext, *, legacy: bool) -> Any:
        """Lambda's Invoke through the in-process seam: it reaches the functions service
        as soon as the registry serves it; until then the seam answers NotImplemented and
        the task fails as AWS fails it for a function that does not exist."""
        if self.invoke is None:
            raise _TaskError("States.Runtime", "No in-process invoker is configured.")
        try:
            await self._authorize("lambda", "Invoke", request, context, None)
        except _TaskError as refusal:
            raise LambdaTaskFailed(refusal.error, refusal.cause) from None
        try:
            answer = await self.invoke("lambda", "Invoke", request, context)
        except Exception as exc:
            code, message, status = _code_of(exc)
            if code == "NotImplemented":
                raise missing_function(request["FunctionName"], context.request_id) from None
            if code in ("UnknownOperationException", "UnknownServiceException"):
                raise _TaskError("States.Runtime", message) from None
            if getattr(exc, "status", None) is None:  # a service error: the model says its HTTP status
                from eventyard.api import catalog  # the models only; no HTTP

                status = int(catalog.service("lambda").error_trait(code).get("httpStatusCode", status))
            raise refused(code, message, status, context.request_id) from None
        return task_output(answer, legacy=legacy, request_id=context.request_id)

    # -- inside the unit of work that records the call ----------------------------------
    def call_in_unit(self, s: Session, record: ExecutionRecord, task: InvokeTask, now: int,
                     after: "AfterCommit") -> Event | None:
        """The task's answer when its call can be made inside the caller's unit of work:
        a request-response or ``.waitForTaskToken`` ``sqs:sendMessage`` to a standard
        queue of the execution's account on this store (the message and the transitions
        commit together, exactly once, with the answer SendMessage gives; a callback's
        token is registered in the same unit, so no callback can come before the
        TaskSubmitted). None: call it through a task job."""
        if (self.queue_writer is None or task.resource not in _SEND_MESSAGE_PATTERNS
                or not isinstance(task.parameters, dict) or task.credentials is not None):
            return None  # (a task with Credentials assumes its role first: through a task job)
        request = dict(task.parameters)
        if "MessageBody" in request:
            request["MessageBody"] = _text(request["MessageBody"])
        principal = self._principal(record.role_arn, record.arn, record.account_id)
        if self.enforcer is not None and principal is not None:
            context = RequestContext(account=record.account_id, region=record.region, base_url=self.public_url,
                                     principal_arn=principal, operation="SendMessage")
            try:
                self.enforcer.authorize_in(s, "sqs", "SendMessage", request, context)
            except ServiceError as refusal:  # refused in this unit: nothing sent, the task fails now
                failure = denied("sqs", refusal, context.request_id, None)
                return TaskFailed(task.task_id, failure.error, failure.cause, now)
        sent = self.queue_writer.send_message(s, request, account=record.account_id, region=record.region, now=now)
        if sent is None:
            return None
        queue_id, answer = sent
        after.queues.append(queue_id)
        if task.pattern == "waitForTaskToken":
            assert task.task_token is not None
            s.states.add_task(TaskRecord(task.task_token, record.arn, task.task_id, None, None, "WAITING", None, now))
            return TaskSubmitted(task.task_id, answer, now)
        return TaskSucceeded(task.task_id, answer, now)

    def link(self, s: Session, p: dict[str, Any], after: "AfterCommit") -> None:
        """A ``.sync`` child execution remembers which task waits for it; if it already
        ended (a short child ends inside StartExecution), the parent is answered now."""
        child = p.get("child")
        if child is None:
            return
        s.states.add_task(TaskRecord(f"child:{child}", p["arn"], p["task"], None, p["pattern"], "WAITING", None,
                                     clock.now_ms()))
        record = s.states.execution(child)
        if record is not None and record.status != "RUNNING":
            link = s.states.task(f"child:{child}")
            assert link is not None
            self._post(s, p["arn"], self.child_answer(s, link), after)

    def child_answer(self, s: Session, link: TaskRecord) -> Event:
        """The parent task's answer once its ``.sync`` child ended (the link is closed):
        the child's description, as output when it succeeded, else as the cause of
        States.TaskFailed."""
        s.states.close_task(link.token)
        child = link.token.removeprefix("child:")
        described = self.described_child(s, child, link.input or "sync")
        if described["Status"] == "SUCCEEDED":
            return TaskSucceeded(link.task_id, described, 0)
        return TaskFailed(link.task_id, "States.TaskFailed", _text(described), 0)

    def _post(self, s: Session, arn: str, event: Event, after: "AfterCommit") -> None:
        from eventyard.services.stepfunctions.driver import ADVANCE, event_body
        from eventyard.store.jobs import NewJob

        s.states.post(arn, event_body(event))
        now = clock.now_ms()
        s.jobs.add(NewJob(ADVANCE, {"arn": arn}, now, now, key=arn))
        after.kick = True

    def described_child(self, s: Session, arn: str, pattern: str) -> dict[str, Any]:
        """What ``.sync`` returns: DescribeExecution of the child in PascalCase; with
        ``.sync:2`` the output is JSON, with ``.sync`` JSON text."""
        record = s.states.execution(arn)
        assert record is not None
        answer: dict[str, Any] = {
            "ExecutionArn": record.arn, "StateMachineArn": record.machine_arn, "Name": record.name,
            "Status": record.status, "StartDate": record.start_date, "StopDate": record.stop_date,
            "Input": record.input if pattern == "sync" else json.loads(record.input),
            "InputDetails": {"Included": True},
        }
        if record.output is not None:
            answer["Output"] = record.output if pattern == "sync" else json.loads(record.output)
            answer["OutputDetails"] = {"Included": True}
        if record.error is not None:
            answer["Error"] = record.error
        if record.cause is not None:
            answer["Cause"] = record.cause
        return answer


class _TaskError(Exception):
    def __init__(self, error: str, cause: str) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause
