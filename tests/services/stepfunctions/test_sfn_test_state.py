"""TestState through boto3 on both backends: one state run on its own, with its data flow
per inspection level, a task really called through the seam (an SQS message arrives), a
mocked failure caught or retried, a Choice's next state, a whole definition's named state,
variables, and bad requests refused with AWS's codes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _clients import NO_RETRY, client
from test_sfn_executions import ROLE, new_account, receive


@pytest.fixture
def account() -> str:
    return new_account()


@pytest.fixture
def sfn(server: Any, account: str) -> Any:
    # botocore puts "sync-" before the host for TestState; an IP address cannot take it
    return boto3.session.Session().client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                                          aws_access_key_id=account, aws_secret_access_key="test",
                                          config=NO_RETRY.merge(Config(inject_host_prefix=False)))


def test_a_pass_state_at_each_inspection_level(sfn: Any) -> None:
    state = {"Type": "Pass", "InputPath": "$.order", "Parameters": {"id.$": "$.id", "fixed": 1},
             "ResultPath": "$.picked", "OutputPath": "$.picked", "Next": "Ship"}
    info = sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input=json.dumps({"order": {"id": 7}}))
    assert (info["status"], json.loads(info["output"]), info["nextState"]) == ("SUCCEEDED", {"id": 7, "fixed": 1},
                                                                                  "Ship")
    assert "inspectionData" not in info
    debug = sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input=json.dumps({"order": {"id": 7}}),
                           inspectionLevel="DEBUG")["inspectionData"]
    assert json.loads(debug["input"]) == {"order": {"id": 7}}
    assert json.loads(debug["afterInputPath"]) == {"id": 7}
    assert json.loads(debug["afterParameters"]) == {"id": 7, "fixed": 1}
    assert json.loads(debug["result"]) == {"id": 7, "fixed": 1}
    assert json.loads(debug["afterResultSelector"]) == {"id": 7, "fixed": 1}
    assert json.loads(debug["afterResultPath"]) == {"order": {"id": 7}, "picked": {"id": 7, "fixed": 1}}


def test_a_task_really_calls_its_integration(server: Any, sfn: Any, account: str) -> None:
    sqs = client("sqs", server.url, account=account)
    url = sqs.create_queue(QueueName="tested")["QueueUrl"]
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
             "Parameters": {"QueueUrl": url, "MessageBody.$": "$.body"},
             "ResultSelector": {"id.$": "$.MessageId"}, "ResultPath": "$.sent", "End": True}
    out = sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input=json.dumps({"body": "hello"}),
                         inspectionLevel="TRACE")
    assert out["status"] == "SUCCEEDED" and "nextState" not in out
    message = receive(sqs, url)
    assert message["Body"] == "hello"
    assert json.loads(out["output"]) == {"body": "hello", "sent": {"id": message["MessageId"]}}
    data = out["inspectionData"]
    assert json.loads(data["afterParameters"]) == {"QueueUrl": url, "MessageBody": "hello"}
    assert json.loads(data["result"])["MessageId"] == message["MessageId"]
    assert json.loads(data["afterResultSelector"]) == {"id": message["MessageId"]}


def test_a_failing_task_is_failed_caught_or_retriable(sfn: Any) -> None:
    missing = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
               "Parameters": {"QueueUrl": "http://localhost/000000000000/nope", "MessageBody": "x"}, "End": True}
    failed = sfn.test_state(definition=json.dumps(missing), roleArn=ROLE, input="{}")
    assert failed["status"] == "FAILED" and failed["error"].startswith("SQS.")
    caught = sfn.test_state(definition=json.dumps({**missing, "Catch": [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.oops", "Next": "Undo"}]}), roleArn=ROLE, input="{}",
        inspectionLevel="DEBUG")
    assert (caught["status"], caught["nextState"]) == ("CAUGHT_ERROR", "Undo")
    assert json.loads(caught["output"])["oops"]["Error"] == caught["error"]
    assert caught["inspectionData"]["errorDetails"] == {"catchIndex": 0}
    retried = sfn.test_state(definition=json.dumps({**missing, "Retry": [
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3}]}), roleArn=ROLE, input="{}", inspectionLevel="DEBUG")
    assert retried["status"] == "RETRIABLE" and retried["error"] == failed["error"]
    assert retried["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 3}


def test_a_mock_answers_instead_of_the_integration(sfn: Any) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"QueueUrl": "u", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}
    ok = sfn.test_state(definition=json.dumps(state), input="{}", mock={"result": json.dumps({"done": True})})
    assert (ok["status"], json.loads(ok["output"])) == ("SUCCEEDED", {"done": True})
    bad = sfn.test_state(definition=json.dumps(state), input="{}",
                         mock={"errorOutput": {"error": "Boom", "cause": "mocked"}})
    assert (bad["status"], bad["error"], bad["cause"]) == ("FAILED", "Boom", "mocked")


def test_choice_fail_jsonata_variables_and_a_named_state(sfn: Any) -> None:
    choice = {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}],
              "Default": "Small"}
    assert sfn.test_state(definition=json.dumps(choice), roleArn=ROLE, input='{"n": 9}')["nextState"] == "Big"
    assert sfn.test_state(definition=json.dumps(choice), roleArn=ROLE, input='{"n": 1}')["nextState"] == "Small"
    fail = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "E", "Cause": "C"}), roleArn=ROLE)
    assert (fail["status"], fail["error"], fail["cause"]) == ("FAILED", "E", "C")
    jsonata = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.n + $bonus %}",
               "Assign": {"seen": "{% $states.input.n %}"}, "End": True}
    out = sfn.test_state(definition=json.dumps(jsonata), roleArn=ROLE, input='{"n": 2}',
                         variables=json.dumps({"bonus": 40}), inspectionLevel="DEBUG")
    assert (out["status"], out["output"]) == ("SUCCEEDED", "42")
    assert json.loads(out["inspectionData"]["variables"]) == {"bonus": 40, "seen": 2}
    whole = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                        "B": {"Type": "Pass", "Result": {"b": 1}, "Next": "C"},
                                        "C": {"Type": "Succeed"}}}
    named = sfn.test_state(definition=json.dumps(whole), stateName="B", roleArn=ROLE, input="{}")
    assert (named["status"], named["output"], named["nextState"]) == ("SUCCEEDED", '{"b":1}', "C")


def test_bad_requests_are_refused(sfn: Any) -> None:
    def code(**kwargs: Any) -> str:
        with pytest.raises(ClientError) as refused:
            sfn.test_state(roleArn=ROLE, **kwargs)
        return str(refused.value.response["Error"]["Code"])

    assert code(definition="{not json") == "InvalidDefinition"
    assert code(definition=json.dumps({"Type": "Pass", "Bogus": 1, "End": True})) == "InvalidDefinition"
    assert code(definition=json.dumps({"Type": "Pass", "End": True}), input="[1,") == "InvalidExecutionInput"
    assert code(definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
                stateName="Z") == "InvalidDefinition"
    parallel = {"Type": "Parallel", "End": True,
                "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}]}
    assert code(definition=json.dumps(parallel)) == "ValidationException"
    assert code(definition=json.dumps({"Type": "Pass", "End": True}), variables="[1]") == "ValidationException"


def test_a_mocked_map_or_parallel_keeps_its_result_processing(sfn: Any) -> None:
    mapped = {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.done", "Next": "After",
              "ResultSelector": {"count.$": "States.ArrayLength($)"},
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
    out = sfn.test_state(definition=json.dumps(mapped), input='{"items": [1, 2]}',
                         mock={"result": json.dumps(["a", "b", "c"])})
    assert (out["status"], json.loads(out["output"]), out["nextState"]) == (
        "SUCCEEDED", {"items": [1, 2], "done": {"count": 3}}, "After")
    parallel = {"Type": "Parallel", "End": True, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Undo"}],
                "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}]}
    caught = sfn.test_state(definition=json.dumps(parallel), input="{}",
                            mock={"errorOutput": {"error": "States.BranchFailed", "cause": "b"}})
    assert (caught["status"], caught["nextState"], caught["error"]) == ("CAUGHT_ERROR", "Undo", "States.BranchFailed")


def test_retries_already_made_decide_retriable_or_failed(sfn: Any) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True,
             "Parameters": {"QueueUrl": "u", "MessageBody": "x"},
             "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]}
    mock = {"errorOutput": {"error": "Boom", "cause": "again"}}
    second = sfn.test_state(definition=json.dumps(state), input="{}", mock=mock, inspectionLevel="DEBUG",
                            stateConfiguration={"retrierRetryCount": 2})
    assert second["status"] == "RETRIABLE"
    assert second["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 18}
    spent = sfn.test_state(definition=json.dumps(state), input="{}", mock=mock,
                           stateConfiguration={"retrierRetryCount": 3})
    assert (spent["status"], spent["error"], spent["cause"]) == ("FAILED", "Boom", "again")
