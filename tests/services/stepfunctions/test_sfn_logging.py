"""Step Functions' execution logging to CloudWatch Logs through boto3, on both backends:
the log levels, includeExecutionData, AWS's event fields and stream names, Express
executions whose history is in the logs only."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _clients import NO_RETRY, client

ROLE = "arn:aws:iam::123456789012:role/sfn"
FAILING = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": 1}, "Next": "F"},
                                      "F": {"Type": "Fail", "Error": "Boom", "Cause": "because"}}}


@pytest.fixture
def account() -> str:
    return f"{uuid.uuid4().int % 10**12:012d}"


@pytest.fixture
def sfn(server, account):
    return boto3.session.Session().client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                                          aws_access_key_id=account, aws_secret_access_key="test",
                                          config=NO_RETRY.merge(Config(inject_host_prefix=False)))


@pytest.fixture
def logs(server, account):
    return client("logs", server.url, account=account)


def group(logs: Any, account: str) -> str:
    name = f"/aws/vendedlogs/states/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    return name


def logging(account: str, name: str, level: str, data: bool = True) -> dict[str, Any]:
    return {"level": level, "includeExecutionData": data, "destinations": [
        {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:us-east-1:{account}:log-group:{name}:*"}}]}


def machine(sfn: Any, definition: dict[str, Any], **kwargs: Any) -> tuple[str, str]:
    name = f"m-{uuid.uuid4().hex[:8]}"
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, **kwargs)
    return str(arn["stateMachineArn"]), name


def ended(sfn: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.05)


def logged(logs: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
    events = logs.filter_log_events(logGroupName=name)["events"]
    return [(e["logStreamName"], json.loads(e["message"])) for e in events]


def test_level_all_logs_every_history_event(sfn, logs, account):
    name = group(logs, account)
    arn, machine_name = machine(sfn, FAILING, loggingConfiguration=logging(account, name, "ALL"))
    execution = sfn.start_execution(stateMachineArn=arn, input='{"a": 1}')["executionArn"]
    assert ended(sfn, execution)["status"] == "FAILED"
    history = sfn.get_execution_history(executionArn=execution)["events"]
    found = logged(logs, name)
    assert [m["type"] for _, m in found] == [e["type"] for e in history]
    stream, first = found[0]
    assert stream.startswith(f"states/{machine_name}/") and len(stream.split("/")) == 4
    assert first == {"id": "1", "type": "ExecutionStarted", "details": {
        "input": '{"a": 1}', "inputDetails": {"truncated": False}, "roleArn": ROLE},
        "previous_event_id": "0", "event_timestamp": first["event_timestamp"], "execution_arn": execution,
        "redrive_count": "0"}
    assert int(first["event_timestamp"]) == int(history[0]["timestamp"].timestamp() * 1000)
    last = found[-1][1]
    assert (last["type"], last["details"]) == ("ExecutionFailed", {"error": "Boom", "cause": "because"})
    assert [m["id"] for _, m in found] == [str(e["id"]) for e in history]


def test_error_and_fatal_levels_and_execution_data(sfn, logs, account):
    error_group, fatal_group, quiet_group = group(logs, account), group(logs, account), group(logs, account)
    for name, level, data in ((error_group, "ERROR", True), (fatal_group, "FATAL", True), (quiet_group, "ALL", False)):
        arn, _ = machine(sfn, FAILING, loggingConfiguration=logging(account, name, level, data))
        ended(sfn, sfn.start_execution(stateMachineArn=arn, input='{"secret": 1}')["executionArn"])
    assert [m["type"] for _, m in logged(logs, error_group)] == ["FailStateEntered", "ExecutionFailed"]
    assert [m["type"] for _, m in logged(logs, fatal_group)] == ["ExecutionFailed"]
    quiet = logged(logs, quiet_group)
    assert quiet[0][1]["details"] == {"roleArn": ROLE}
    assert all("secret" not in json.dumps(m) for _, m in quiet)


def test_no_logging_without_a_level_or_a_group(sfn, logs, account):
    name = group(logs, account)
    arn, _ = machine(sfn, FAILING, loggingConfiguration={**logging(account, name, "OFF")})
    ended(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert logged(logs, name) == []
    gone, _ = machine(sfn, FAILING, loggingConfiguration=logging(account, "/no/such/group", "ALL"))
    assert ended(sfn, sfn.start_execution(stateMachineArn=gone)["executionArn"])["status"] == "FAILED"
    assert logs.describe_log_groups(logGroupNamePrefix="/no/such")["logGroups"] == []  # not made for it


def test_express_history_is_in_the_logs_only(sfn, logs, account):
    name = group(logs, account)
    arn, _ = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, type="EXPRESS",
                     loggingConfiguration=logging(account, name, "ALL"))
    out = sfn.start_sync_execution(stateMachineArn=arn, input='{"k": "v"}')
    assert out["status"] == "SUCCEEDED"
    found = logged(logs, name)
    assert [m["type"] for _, m in found] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                             "ExecutionSucceeded"]
    assert {m["execution_arn"] for _, m in found} == {out["executionArn"]}
    with pytest.raises(ClientError) as exc:
        sfn.get_execution_history(executionArn=out["executionArn"])
    assert exc.value.response["Error"]["Code"] == "InvalidArn"
    assert exc.value.response["Error"]["Message"] == "Invalid Arn: 'Resource type not valid in this context: express'"


def test_large_inputs_are_truncated_in_the_log(sfn, logs, account):
    name = group(logs, account)
    arn, _ = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                     loggingConfiguration=logging(account, name, "ALL"))
    big = json.dumps({"x": "a" * 255_000})
    ended(sfn, sfn.start_execution(stateMachineArn=arn, input=big)["executionArn"])
    first = logged(logs, name)[0][1]
    assert first["details"]["inputDetails"] == {"truncated": True}
    assert len(first["details"]["input"].encode()) == 248 * 1024 and big.startswith(first["details"]["input"])
