"""JSON texts nested past what the stdlib's recursive parser takes (thousands of levels),
inside string parameters of IAM, STS, Secrets Manager and Step Functions: the service's
own error for a text that is not valid JSON, never a 500 (the fuzzer found these).

Step Functions answers in Jackson's words, AWS's parser, which refuses nesting past 1000
levels ("Document nesting depth (1001) exceeds the maximum allowed (1000, from
`StreamReadConstraints.getMaxNestingDepth()`)")."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _clients import client

ACCOUNT = "565656565656"
DEEP = "[" * 5000 + "]" * 5000
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
NESTING = "Document nesting depth (1001) exceeds the maximum allowed (1000"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

# (service, operation, params, error code, text the message contains)
CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("iam", "create_role", {"RoleName": "deep", "AssumeRolePolicyDocument": DEEP}, "MalformedPolicyDocument",
     "Syntax errors in policy."),
    ("iam", "create_policy", {"PolicyName": "deep", "PolicyDocument": DEEP}, "MalformedPolicyDocument",
     "Syntax errors in policy."),
    ("iam", "simulate_custom_policy", {"PolicyInputList": [DEEP], "ActionNames": ["sqs:SendMessage"]},
     "MalformedPolicyDocument", "Syntax errors in policy."),
    ("secretsmanager", "validate_resource_policy", {"ResourcePolicy": DEEP}, "MalformedPolicyDocumentException", ""),
    ("stepfunctions", "validate_state_machine_definition", {"definition": DEEP}, "", ""),
    ("stepfunctions", "create_state_machine", {"name": "deep", "definition": DEEP, "roleArn": ROLE},
     "InvalidDefinition", NESTING),
    ("stepfunctions", "test_state", {"definition": '{"Type":"Pass","End":true}', "roleArn": ROLE, "input": DEEP},
     "InvalidExecutionInput", NESTING),
    ("stepfunctions", "test_state", {"definition": json.dumps({
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "End": True}), "roleArn": ROLE,
        "mock": {"result": DEEP}}, "ValidationException", "The field 'mock.result' must be JSON."),
    ("stepfunctions", "send_task_success", {"taskToken": "t" * 10, "output": DEEP}, "InvalidOutput", NESTING),
]


def _client(server: Any, service: str) -> Any:
    if service == "stepfunctions":  # TestState's host prefix (sync-) would need wildcard DNS
        return boto3.session.Session().client(
            service, endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=ACCOUNT,
            aws_secret_access_key="test", config=Config(inject_host_prefix=False, retries={"max_attempts": 0}))
    return client(service, server.url, account=ACCOUNT, raw=True)


@pytest.mark.parametrize("service,operation,params,code,text", CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_deep_json_gets_the_services_own_error(server, service, operation, params, code, text):
    c = _client(server, service)
    if service == "stepfunctions" and operation == "validate_state_machine_definition":
        answer = c.validate_state_machine_definition(**params)  # diagnostics, not an error
        assert answer["result"] == "FAIL"
        assert NESTING in answer["diagnostics"][0]["message"]
        return
    with pytest.raises(ClientError) as raised:
        getattr(c, operation)(**params)
    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error
    assert error["Code"] == code
    assert text in error.get("Message", "")


def test_states_string_to_json_of_a_deep_text_is_an_intrinsic_failure(server):
    c = _client(server, "stepfunctions")
    answer = c.test_state(definition=json.dumps({"Type": "Pass", "Parameters": {"a.$": "States.StringToJson($.s)"},
                                                 "End": True}), roleArn=ROLE, input=json.dumps({"s": DEEP}))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.IntrinsicFailure")
