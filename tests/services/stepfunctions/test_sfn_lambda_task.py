"""Lambda tasks through the in-process seam: the mapping from Lambda Invoke's answer to
the task's output (fed fake Invoker answers: payload bytes, the FunctionError header's
value, the executed version), and, through boto3 on both backends, the failure AWS gives
for a function that does not exist (eventyard serves no Lambda functions on this branch).

AWS's shapes (LocalStack's recordings against AWS, test_lambda_task_service.snapshot.json
and test_lambda_task.snapshot.json): ``lambda:invoke`` answers ``{ExecutedVersion,
[LogResult], Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}``; a plain
function ARN answers the payload itself; a function error fails with the error type.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from _clients import client
from eventyard.api.errors import WireError
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import TaskFailed, TaskSubmitted, TaskSucceeded
from eventyard.services.stepfunctions.integrations import Integrations
from eventyard.services.stepfunctions.lambda_task import LambdaTaskFailed, task_output
from test_sfn_executions import ended, machine, new_account

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"


# -- the answer's mapping ----------------------------------------------------------------
def test_lambda_invoke_output_has_aws_s_shape() -> None:
    out = task_output({"StatusCode": 200, "ExecutedVersion": "3", "Payload": b'{"ok": 1}'}, legacy=False,
                      request_id="req-1", now=0)
    assert list(out) == ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
    assert (out["ExecutedVersion"], out["Payload"], out["StatusCode"]) == ("3", {"ok": 1}, 200)
    assert out["SdkResponseMetadata"] == {"RequestId": "req-1"}
    metadata = out["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    assert list(metadata["AllHttpHeaders"]) == ["X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length",
                                                "Connection", "x-amzn-RequestId", "Content-Length", "Date",
                                                "X-Amzn-Trace-Id", "Content-Type"]
    assert list(metadata["HttpHeaders"]) == ["Connection", "Content-Length", "Content-Type", "Date",
                                             "X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length",
                                             "x-amzn-RequestId", "X-Amzn-Trace-Id"]
    assert metadata["HttpHeaders"]["Content-Length"] == "9" and metadata["AllHttpHeaders"]["Content-Length"] == ["9"]
    assert metadata["HttpHeaders"]["Date"] == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_log_result_is_kept_and_a_text_payload_stays_text() -> None:
    out = task_output({"StatusCode": 200, "Payload": b"plain", "LogResult": "bG9n"}, legacy=False)
    assert list(out)[:3] == ["ExecutedVersion", "LogResult", "Payload"]
    assert out["Payload"] == "plain" and out["ExecutedVersion"] == "$LATEST"
    assert list(out["SdkHttpMetadata"]["AllHttpHeaders"])[0] == "X-Amz-Log-Result"


def test_an_event_invocation_has_an_empty_payload() -> None:
    assert task_output({"StatusCode": 202, "Payload": b""}, legacy=False)["Payload"] == ""


def test_a_plain_function_arn_returns_the_payload_itself() -> None:
    assert task_output({"StatusCode": 200, "Payload": b'[1, 2]', "ExecutedVersion": "$LATEST"}, legacy=True) == [1, 2]


@pytest.mark.parametrize("legacy", [False, True])
def test_a_function_error_fails_with_its_error_type_and_the_error_json(legacy: bool) -> None:
    body = b'{"errorMessage": "bad order", "errorType": "ValueError", "requestId": "r", "stackTrace": []}'
    with pytest.raises(LambdaTaskFailed) as failed:
        task_output({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": body}, legacy=legacy)
    assert (failed.value.error, failed.value.cause) == ("ValueError", body.decode())
    with pytest.raises(LambdaTaskFailed) as unknown:
        task_output({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": b"killed"}, legacy=legacy)
    assert (unknown.value.error, unknown.value.cause) == ("Lambda.Unknown", "killed")


# -- through Integrations with a fake seam ------------------------------------------------
class FakeSeam:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def __call__(self, service: str, operation: str, params: dict[str, Any],
                       context: RequestContext) -> dict[str, Any]:
        self.calls.append((service, operation, params))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _call(seam: FakeSeam, resource: str, parameters: Any, pattern: str = "request") -> Any:
    integrations = Integrations(store=None, invoke=seam)  # type: ignore[arg-type]
    task = {"arn": "x", "task": "t-1", "resource": resource, "pattern": pattern, "parameters": parameters,
            "token": None, "account": "123456789012", "region": "us-east-1"}
    return asyncio.run(integrations.call(task, None))  # type: ignore[arg-type]


def test_lambda_invoke_goes_through_the_seam() -> None:
    seam = FakeSeam({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": b'{"total": 3}'})
    answer = _call(seam, "arn:aws:states:::lambda:invoke",
                   {"FunctionName": FUNCTION, "Payload": {"order": 1}, "Qualifier": "live", "LogType": "Tail"})
    assert seam.calls == [("lambda", "Invoke", {"FunctionName": FUNCTION, "Payload": b'{"order":1}',
                                                "Qualifier": "live", "LogType": "Tail"})]
    assert isinstance(answer, TaskSucceeded) and answer.output["Payload"] == {"total": 3}


def test_a_plain_function_arn_sends_the_whole_input() -> None:
    seam = FakeSeam({"StatusCode": 200, "Payload": b'"done"'})
    answer = _call(seam, FUNCTION, [1, 2], pattern="function")
    assert seam.calls == [("lambda", "Invoke", {"FunctionName": FUNCTION, "Payload": b"[1,2]"})]
    assert isinstance(answer, TaskSucceeded) and answer.output == "done"


def test_wait_for_task_token_makes_the_call_and_waits() -> None:
    seam = FakeSeam({"StatusCode": 202, "Payload": b""})
    answer = _call(seam, "arn:aws:states:::lambda:invoke.waitForTaskToken",
                   {"FunctionName": FUNCTION, "Payload": {"token": "tok"}}, pattern="waitForTaskToken")
    # the callback answers the task; the call's own answer is history's TaskSubmitted
    assert isinstance(answer, TaskSubmitted) and answer.output["StatusCode"] == 202
    assert seam.calls[0][2]["Payload"] == b'{"token":"tok"}'


def test_lambda_s_refusal_is_named_as_aws_names_it() -> None:
    seam = FakeSeam(ServiceError("ResourceNotFoundException", f"Function not found: {FUNCTION}"))
    answer = _call(seam, "arn:aws:states:::lambda:invoke", {"FunctionName": FUNCTION})
    assert isinstance(answer, TaskFailed) and answer.error == "Lambda.ResourceNotFoundException"
    assert answer.cause.startswith(f"Function not found: {FUNCTION} (Service: AWSLambda; Status Code: 404; "
                                   "Error Code: ResourceNotFoundException; Request ID: ")
    assert answer.cause.endswith("; Proxy: null)")
    # the seam's answer while no Lambda is served: the same failure
    unserved = FakeSeam(WireError("NotImplemented", "lambda Invoke is not implemented by eventyard yet.", 501))
    answer = _call(unserved, FUNCTION, {}, pattern="function")
    assert isinstance(answer, TaskFailed) and answer.error == "Lambda.ResourceNotFoundException"


# -- the wire: no such function ------------------------------------------------------------
@pytest.mark.parametrize("resource", ["arn:aws:states:::lambda:invoke", FUNCTION])
def test_a_missing_function_fails_the_execution_with_aws_s_error(server: Any, resource: str) -> None:
    sfn = client("stepfunctions", server.url, account=new_account())
    state: dict[str, Any] = {"Type": "Task", "Resource": resource, "End": True}
    if resource.endswith("invoke"):
        state["Parameters"] = {"FunctionName": FUNCTION, "Payload.$": "$"}
    arn = machine(sfn, {"StartAt": "L", "States": {"L": state}})
    out = ended(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": 1}))["executionArn"])
    assert (out["status"], out["error"]) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert out["cause"].startswith(f"Function not found: {FUNCTION} (Service: AWSLambda; Status Code: 404; "
                                   "Error Code: ResourceNotFoundException; Request ID: ")
    events = [e["type"] for e in sfn.get_execution_history(executionArn=out["executionArn"])["events"]]
    assert ("LambdaFunctionFailed" if resource == FUNCTION else "TaskFailed") in events


def test_a_registered_invoke_handler_is_reached_through_the_real_seam() -> None:
    """What happens once the functions service registers Lambda's Invoke: the request
    passes botocore's validation of Invoke's input and the handler's answer is mapped."""
    from eventyard.api.invoke import Invoker

    seen: list[dict[str, Any]] = []

    async def invoke_handler(context: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(params)
        return {"StatusCode": 200, "ExecutedVersion": "7", "Payload": b'{"ok": true}'}

    seam = Invoker(lambda service, operation: invoke_handler if (service, operation) == ("lambda", "Invoke")
                   else None)
    integrations = Integrations(store=None, invoke=seam.invoke)  # type: ignore[arg-type]
    task = {"arn": "x", "task": "t-1", "resource": "arn:aws:states:::lambda:invoke", "pattern": "request",
            "parameters": {"FunctionName": FUNCTION, "Payload": {"a": 1}, "InvocationType": "RequestResponse"},
            "token": None, "account": "123456789012", "region": "us-east-1"}
    answer = asyncio.run(integrations.call(task, None))  # type: ignore[arg-type]
    assert seen == [{"FunctionName": FUNCTION, "Payload": b'{"a":1}', "InvocationType": "RequestResponse"}]
    assert isinstance(answer, TaskSucceeded)
    assert (answer.output["ExecutedVersion"], answer.output["Payload"]) == ("7", {"ok": True})
