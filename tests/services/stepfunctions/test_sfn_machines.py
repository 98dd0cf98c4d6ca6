"""Step Functions state machines through boto3 on both backends: create (AWS's
InvalidDefinition words), describe, update, delete, list with pages, validation, tags,
versions and aliases."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _clients import NO_RETRY, client

ROLE = "arn:aws:iam::123456789012:role/sfn"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


@pytest.fixture
def sfn(server):
    # one account per test: tests share the module's server
    return client("stepfunctions", server.url, account=f"{uuid.uuid4().int % 10**12:012d}")


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_create_describe_update_delete(sfn):
    made = sfn.create_state_machine(name="orders", definition=PASS, roleArn=ROLE,
                                    loggingConfiguration={"level": "OFF"}, tracingConfiguration={"enabled": True},
                                    tags=[{"key": "team", "value": "a"}])
    arn = made["stateMachineArn"]
    assert arn.endswith(":stateMachine:orders")
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["definition"] == PASS
    assert described["type"] == "STANDARD"
    assert described["status"] == "ACTIVE"
    assert described["roleArn"] == ROLE
    assert described["tracingConfiguration"] == {"enabled": True}
    assert described["loggingConfiguration"]["level"] == "OFF"
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]

    new = json.dumps({"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}})
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=new)
    assert updated["revisionId"] != described["revisionId"]
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == new

    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(ClientError) as exc:
        sfn.describe_state_machine(stateMachineArn=arn)
    assert code(exc) == "StateMachineDoesNotExist"
    assert exc.value.response["Error"]["Message"] == f"State Machine Does Not Exist: '{arn}'"


def test_invalid_definition_in_aws_words(sfn):
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="bad", definition=json.dumps({"StartAt": "X", "States": {}}), roleArn=ROLE)
    assert code(exc) == "InvalidDefinition"
    assert exc.value.response["Error"]["Message"].startswith("Invalid State Machine Definition: '")
    assert sfn.list_state_machines()["stateMachines"] == []  # nothing made


def test_validate_definition(sfn):
    assert sfn.validate_state_machine_definition(definition=PASS)["result"] == "OK"
    bad = sfn.validate_state_machine_definition(definition=json.dumps({"States": {}}))
    assert bad["result"] == "FAIL"
    assert bad["diagnostics"][0]["code"] == "SCHEMA_VALIDATION_FAILED"


def test_role_and_names_are_checked(sfn):
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="x", definition=PASS, roleArn="not-an-arn")
    assert code(exc) == "InvalidArn"
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="has space", definition=PASS, roleArn=ROLE)
    assert code(exc) == "InvalidName"


def test_create_twice_same_is_idempotent_different_conflicts(sfn):
    first = sfn.create_state_machine(name="twice", definition=PASS, roleArn=ROLE)
    again = sfn.create_state_machine(name="twice", definition=PASS, roleArn=ROLE)
    assert again["stateMachineArn"] == first["stateMachineArn"]
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="twice", definition=PASS, roleArn=ROLE + "2")
    assert code(exc) == "StateMachineAlreadyExists"


def test_list_pages(sfn):
    for i in range(5):
        sfn.create_state_machine(name=f"m{i}", definition=PASS, roleArn=ROLE)
    seen, token = [], None
    while True:
        page = sfn.list_state_machines(maxResults=2, **({"nextToken": token} if token else {}))
        seen += [m["name"] for m in page["stateMachines"]]
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(seen) == [f"m{i}" for i in range(5)]


def test_versions_and_aliases(sfn):
    made = sfn.create_state_machine(name="v", definition=PASS, roleArn=ROLE, publish=True, versionDescription="one")
    arn = made["stateMachineArn"]
    v1 = made["stateMachineVersionArn"]
    assert v1 == arn + ":1"
    new = json.dumps({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": 2, "End": True}}})
    v2 = sfn.update_state_machine(stateMachineArn=arn, definition=new, publish=True)["stateMachineVersionArn"]
    assert v2 == arn + ":2"
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2, v1]
    assert sfn.describe_state_machine(stateMachineArn=v1)["definition"] == PASS

    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"]
    assert alias == arn + ":live"
    out = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert out["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    with pytest.raises(ClientError) as exc:
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert code(exc) == "ConflictException"
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": v2, "weight": 100}])
    execution = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["stateMachineAliasArn"] == alias
    assert described["stateMachineVersionArn"] == v2
    assert described["output"] == "2"
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(
        stateMachineArn=arn)["stateMachineAliases"]] == [alias]
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert len(sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]) == 1


def test_tags(sfn):
    arn = sfn.create_state_machine(name="t", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b", "value": "2"}]
    with pytest.raises(ClientError) as exc:
        sfn.list_tags_for_resource(resourceArn=arn + "x")
    assert code(exc) == "ResourceNotFound"

