"""NaN and Infinity are not JSON: AWS's parser (Jackson) refuses them in an execution's
input (StartExecution, StartSyncExecution, TestState) and in SendTaskSuccess's output,
quoting Jackson's exception as it does for any other malformed input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _clients import NO_RETRY, client

ROLE = "arn:aws:iam::123456789012:role/sfn"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def _refused(call: Any, **params: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**params)
    return {"code": exc.value.response["Error"]["Code"], "message": exc.value.response["Error"]["Message"]}


@pytest.fixture(scope="module")
def sfn(server: Any) -> Any:
    account = f"{uuid.uuid4().int % 10**12:012d}"
    return boto3.session.Session().client(
        "stepfunctions", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=account,
        aws_secret_access_key="test", config=NO_RETRY.merge(Config(inject_host_prefix=False)))


def _jackson(text: str, token: str, column: int) -> str:
    return (f"com.fasterxml.jackson.core.JsonParseException: Non-standard token '{token}': enable "
            f"`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow\n at [Source: (String)\"{text}\"; "
            f"line: 1, column: {column}]")


def test_start_execution_refuses_nan_and_infinity(sfn: Any) -> None:
    arn = sfn.create_state_machine(name="nan-std", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    for text, token, column in (('{"a": NaN}', "NaN", 10), ('{"s": "NaN", "a": [1, -Infinity]}', "-Infinity", 32),
                                ("Infinity", "Infinity", 9)):
        got = _refused(sfn.start_execution, stateMachineArn=arn, input=text)
        assert got == {"code": "InvalidExecutionInput",
                       "message": f"Invalid State Machine Execution Input: '{_jackson(text, token, column)}'"}
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
    # a string that spells NaN is plain JSON
    assert sfn.start_execution(stateMachineArn=arn, input='{"a": "NaN"}')["executionArn"]


def test_start_sync_execution_and_test_state_refuse_nan(sfn: Any) -> None:
    arn = sfn.create_state_machine(name="nan-express", definition=PASS, roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    got = _refused(sfn.start_sync_execution, stateMachineArn=arn, input='{"a": NaN}')
    assert got["code"] == "InvalidExecutionInput"
    assert "Non-standard token 'NaN'" in got["message"]
    got = _refused(sfn.test_state, definition=json.dumps({"Type": "Pass", "End": True}), roleArn=ROLE,
                   input='{"a": Infinity}')
    assert got["code"] == "InvalidExecutionInput"
    assert "Non-standard token 'Infinity'" in got["message"]


def test_send_task_success_refuses_nan_output(sfn: Any) -> None:
    activity = sfn.create_activity(name="nan-activity")["activityArn"]
    arn = sfn.create_state_machine(name="nan-act", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "End": True}}}))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    token = sfn.get_activity_task(activityArn=activity)["taskToken"]
    output = '{"n": NaN}'
    got = _refused(sfn.send_task_success, taskToken=token, output=output)
    assert got == {"code": "InvalidOutput", "message": f"Invalid Output: '{_jackson(output, 'NaN', 10)}'"}
    sfn.send_task_success(taskToken=token, output='{"n": 1}')
    assert sfn.describe_execution(executionArn=execution)["status"] in ("RUNNING", "SUCCEEDED")
