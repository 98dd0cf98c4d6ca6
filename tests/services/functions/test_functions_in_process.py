"""The functions service in-process, with a fake runner and log sink: function logs go to
the sink under the function's group and the runner's stream; Lambda's retry policy for
asynchronous invocations (retries and maximum event age, from the event invoke config)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime, Failure
from eventyard.runtime.functions.types import FunctionCode, InvocationRequest, InvocationResult, LogLine
from eventyard.runtime.jobs import JobRuntime
from eventyard.services.functions import AsyncPolicy, FunctionsService, Invocations
from eventyard.services.functions.invocation import sns_event
from eventyard.services.logs.types import LogEvent
from eventyard.store import Store
from eventyard.store.deliveries import DeliveryRecord
from services.functions._functions import ECHO, ROLE

ACCOUNT = "123456789012"


class FakeRunner:
    def __init__(self) -> None:
        self.seen: list[tuple[FunctionCode, InvocationRequest]] = []

    def supports(self, runtime: str) -> str | None:
        return None if runtime.startswith("python") else "only Python here"

    async def invoke(self, code: FunctionCode, request: InvocationRequest) -> InvocationResult:
        self.seen.append((code, request))
        lines = (LogLine(1, f"START RequestId: {request.request_id} Version: {code.version}\n"),
                 LogLine(2, "hello\n"), LogLine(3, f"END RequestId: {request.request_id}\n"))
        return InvocationResult(b'"ok"', None, 1.0, 1, 30, None, "2026/01/01/[$LATEST]abc", lines)

    async def retire(self, function_arn: str) -> None:
        return None

    async def close(self) -> None:
        return None


class FakeSink:
    def __init__(self) -> None:
        self.written: list[tuple[str, str, str, str, list[LogEvent]]] = []

    def append(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        self.written.append((account_id, region, group, stream, list(events)))

    async def put(self, account_id: str, region: str, group: str, stream: str, events: Sequence[LogEvent]) -> None:
        self.append(account_id, region, group, stream, events)


def _service(store: Store, tmp_path: Path, sink: FakeSink | None = None) -> tuple[FunctionsService, FakeRunner]:
    runner = FakeRunner()
    invocations = Invocations(store, DeliveryRuntime(store), runner, tmp_path, log_sink=sink)
    return FunctionsService(store, JobRuntime(store), runner, invocations), runner


def test_function_logs_go_to_the_sink(store: Store, tmp_path: Path) -> None:
    sink = FakeSink()
    service, runner = _service(store, tmp_path, sink)
    ctx = RequestContext(account=ACCOUNT, operation="CreateFunction")

    async def scenario() -> dict[str, Any]:
        await service.create_function(ctx, {"FunctionName": "logged", "Runtime": "python3.12", "Role": ROLE,
                                            "Handler": "app.handler", "Code": {"ZipFile": ECHO}})
        await service.jobs.run_due()  # the settle job: Active
        return await service.invoke(ctx, {"FunctionName": "logged", "Payload": b'{"x": 1}', "LogType": "Tail"})

    answer = asyncio.run(scenario())
    assert answer["StatusCode"] == 200 and answer["Payload"] == b'"ok"' and answer["ExecutedVersion"] == "$LATEST"
    [(account, region, group, stream, events)] = sink.written
    assert (account, region, group, stream) == (ACCOUNT, "us-east-1", "/aws/lambda/logged", "2026/01/01/[$LATEST]abc")
    assert [e.message for e in events][1] == "hello\n"
    code, request = runner.seen[0]
    assert (code.function_name, code.handler, code.timeout_s, code.memory_mb) == ("logged", "app.handler", 3, 128)
    assert (code.code_dir / "app.py").exists() and request.payload == b'{"x": 1}'


def _record(attempts: int, created_at: int, context: dict[str, Any]) -> DeliveryRecord:
    return DeliveryRecord(1, "lambda", ACCOUNT, "us-east-1", "lambda", {"arn": "arn"},
                          {"body": "{}", "context": context}, attempts, created_at, 0, None)


def test_async_retries_follow_the_event_invoke_config(store: Store, tmp_path: Path) -> None:
    service, _ = _service(store, tmp_path)
    policy = AsyncPolicy(service.invocations)
    error = Failure("Unhandled", "boom")
    default = {"max_retries": 2, "max_age_ms": 21_600_000}
    assert policy.retry_at(_record(1, 0, default), error, 1_000) == 61_000  # about a minute
    assert policy.retry_at(_record(2, 0, default), error, 70_000) == 190_000  # about two minutes
    assert policy.retry_at(_record(3, 0, default), error, 200_000) is None  # retries exhausted
    assert policy.retry_at(_record(1, 0, {"max_retries": 0, "max_age_ms": 60_000}), error, 1_000) is None
    throttled = Failure("TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded")
    assert policy.retry_at(_record(5, 0, default), throttled, 1_000) is not None  # throttles retry past the count
    assert policy.retry_at(_record(1, 0, {"max_retries": 2, "max_age_ms": 60_000}), throttled, 60_000) is None


def test_the_sns_event_of_a_subscribed_function() -> None:
    notification = json.dumps({"Type": "Notification", "MessageId": "m", "TopicArn": "arn:t", "Message": "hi",
                               "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": "1", "Signature": "s",
                               "SigningCertURL": "https://c", "UnsubscribeURL": "https://u"})
    event = json.loads(sns_event(notification, "arn:t:sub"))
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == "arn:t:sub"
    assert record["Sns"]["SigningCertUrl"] == "https://c" and record["Sns"]["UnsubscribeUrl"] == "https://u"
    assert record["Sns"]["Subject"] is None and record["Sns"]["MessageAttributes"] == {}


def test_pending_refuses_invoke_and_the_async_row_carries_the_invoke_config(store: Store, tmp_path: Path) -> None:
    import pytest

    from eventyard.core.errors import ServiceError

    service, runner = _service(store, tmp_path)
    ctx = RequestContext(account=ACCOUNT, operation="Invoke")

    async def scenario() -> None:
        await service.create_function(ctx, {"FunctionName": "busy", "Runtime": "python3.12", "Role": ROLE,
                                            "Handler": "app.handler", "Code": {"ZipFile": ECHO}})
        with pytest.raises(ServiceError) as exc:  # the settle job has not run: still Pending
            await service.invoke(ctx, {"FunctionName": "busy", "Payload": b"{}"})
        assert exc.value.code == "ResourceConflictException"
        assert exc.value.message == ("The operation cannot be performed at this time. The function is currently "
                                     "in the following state: Pending")
        await service.put_function_event_invoke_config(ctx, {"FunctionName": "busy", "MaximumRetryAttempts": 0,
                                                             "MaximumEventAgeInSeconds": 60})
        assert (await service.invoke(ctx, {"FunctionName": "busy", "InvocationType": "Event",
                                           "Payload": b'{"k": 1}'}))["StatusCode"] == 202

    asyncio.run(scenario())
    [row] = store.write_sync(lambda s: s.deliveries.claim(now=2**62, lease_until=2**62 + 1, limit=10))
    assert (row.origin, row.target_kind, row.target["arn"]) == ("lambda", "lambda",
                                                                  f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:busy")
    assert row.payload["body"] == '{"k": 1}'
    assert (row.payload["context"]["max_retries"], row.payload["context"]["max_age_ms"]) == (0, 60_000)
    assert runner.seen == []
