"""Lambda tasks: what ``arn:aws:states:::lambda:invoke`` (and ``.waitForTaskToken``) and a
plain function ARN (``arn:aws:lambda:REGION:ACCOUNT:function:NAME``) ask Lambda's
``Invoke`` through the in-process seam, and what its answer makes of the task.

- ``lambda:invoke`` passes ``FunctionName``, ``Payload`` (JSON, sent as JSON text),
  ``InvocationType``, ``Qualifier``, ``LogType`` and ``ClientContext``; its output is
  AWS's ``{ExecutedVersion, [LogResult], Payload, SdkHttpMetadata, SdkResponseMetadata,
  StatusCode}`` with the function's answer parsed into ``Payload`` (recorded by LocalStack
  against AWS: test_lambda_task_service.snapshot.json).
- A plain function ARN sends the whole state input as the event and its output is the
  function's answer itself.
- A function error (the ``X-Amz-Function-Error`` header, ``FunctionError``) fails the
  task: the error is the answer's ``errorType``, the cause the answer's JSON text.
- Lambda refusing the call fails it with ``Lambda.<Code>`` and the cause in the words of
  AWS's Java SDK v1, which Step Functions quotes (``... (Service: AWSLambda; Status
  Code: 404; Error Code: ResourceNotFoundException; Request ID: ...; Proxy: null)``).
"""

from __future__ import annotations

import json
import secrets
from email.utils import formatdate
from typing import Any

LAMBDA_PREFIX = "arn:aws:lambda:"
_PASSED = ("InvocationType", "Qualifier", "LogType", "ClientContext")
UNKNOWN_ERROR = "Lambda.Unknown"


class LambdaTaskFailed(Exception):
    def __init__(self, error: str, cause: str) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause


def is_function_arn(resource: str) -> bool:
    return resource.startswith(LAMBDA_PREFIX) and ":function:" in resource


def invoke_request(parameters: Any) -> dict[str, Any]:
    """Lambda Invoke's parameters (botocore's names) for a ``lambda:invoke`` request."""
    given = parameters if isinstance(parameters, dict) else {}
    payload = given.get("Payload")
    request: dict[str, Any] = {"FunctionName": given.get("FunctionName", ""), "Payload": _payload_bytes(payload)}
    for name in _PASSED:
        if name in given:
            request[name] = given[name]
    return request


def legacy_request(function_arn: str, event: Any) -> dict[str, Any]:
    """A plain function ARN resource: the whole state input is the event."""
    return {"FunctionName": function_arn, "Payload": _payload_bytes(event)}


def _payload_bytes(payload: Any) -> bytes:
    if payload is None:
        return b"{}"
    if isinstance(payload, str):
        return payload.encode()  # a text payload goes as it is
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def payload_text(answer: dict[str, Any]) -> str:
    raw = answer.get("Payload", b"")
    if raw is None:
        return ""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw).decode("utf-8", errors="replace")
    if isinstance(raw, str):
        return raw
    read = getattr(raw, "read", None)  # a streaming body
    if callable(read):
        data = read()
        return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)
    return str(raw)


def _parsed(text: str) -> Any:
    if not text:
        return ""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past the stack: kept as text
        return text


def task_output(answer: dict[str, Any], *, legacy: bool, request_id: str | None = None,
                now: float | None = None) -> Any:
    """The task's result from Invoke's answer; raises ``LambdaTaskFailed`` for a function
    error."""
    text = payload_text(answer)
    payload = _parsed(text)
    if answer.get("FunctionError"):
        error = payload.get("errorType") if isinstance(payload, dict) else None
        raise LambdaTaskFailed(error if isinstance(error, str) and error else UNKNOWN_ERROR, text)
    if legacy:
        return payload
    version = answer.get("ExecutedVersion") or "$LATEST"
    status = int(answer.get("StatusCode") or 200)
    request_id = request_id or _request_id()
    all_headers: dict[str, list[str]] = {}
    log_result = answer.get("LogResult")
    if log_result:
        all_headers["X-Amz-Log-Result"] = [log_result]
    all_headers.update({
        "X-Amz-Executed-Version": [version], "x-amzn-Remapped-Content-Length": ["0"], "Connection": ["keep-alive"],
        "x-amzn-RequestId": [request_id], "Content-Length": [str(len(text.encode()))],
        "Date": [formatdate(now, usegmt=True)], "X-Amzn-Trace-Id": [_trace_id()],
        "Content-Type": ["application/json"]})
    output: dict[str, Any] = {"ExecutedVersion": version}
    if log_result:
        output["LogResult"] = log_result
    output.update({
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": all_headers,
            "HttpHeaders": {k: v[0] for k, v in sorted(all_headers.items(), key=lambda kv: kv[0].lower())},
            "HttpStatusCode": status},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status})
    return output


def refused(code: str, message: str, status: int, request_id: str) -> LambdaTaskFailed:
    """Lambda refused the call: ``Lambda.<Code>`` with the SDK's cause."""
    error = code if code.endswith("Exception") else code + "Exception"
    return LambdaTaskFailed(f"Lambda.{error}", f"{message} (Service: AWSLambda; Status Code: {status}; "
                                               f"Error Code: {error}; Request ID: {request_id}; Proxy: null)")


def missing_function(function_name: str, request_id: str) -> LambdaTaskFailed:
    """What AWS answers for a function that does not exist (also while eventyard serves
    no Lambda: the seam answers NotImplemented then)."""
    return refused("ResourceNotFoundException", f"Function not found: {function_name}", 404, request_id)


def _request_id() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _trace_id() -> str:
    return f"Root=1-{secrets.token_hex(4)}-{secrets.token_hex(12)};Sampled=0"

