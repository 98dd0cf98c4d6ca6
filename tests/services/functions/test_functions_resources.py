"""Permissions, tags, concurrency, event invoke configs, URL configs, layers and account
settings through boto3 on both backends, and Invoke through Step Functions' in-process
seam (a ``lambda:invoke`` task)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _waiting import wait_until
from services.functions._functions import ROLE, create, lam, new_account, zipped


@pytest.fixture
def account() -> str:
    return new_account()


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    r = exc.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def test_permissions_with_aws_statement_shape(server: Any, account: str) -> None:
    c = lam(server, account)
    arn = create(c, "perm")["FunctionArn"]
    with pytest.raises(ClientError) as exc:
        c.get_policy(FunctionName="perm")
    assert _error(exc) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    added = c.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction",
                             Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
    assert json.loads(added["Statement"]) == {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": arn, "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}
    policy = c.get_policy(FunctionName="perm")
    assert json.loads(policy["Policy"])["Id"] == "default" and policy["RevisionId"]
    with pytest.raises(ClientError) as exc:
        c.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction", Principal="*")
    assert _error(exc) == (409, "ResourceConflictException", "The statement id (s3) provided already exists. Please "
                           "provide a new statement id, or remove the existing statement.")
    with pytest.raises(ClientError) as exc:
        c.add_permission(FunctionName="perm", StatementId="x", Action="lambda:InvokeFunction", Principal="nobody")
    assert _error(exc)[2] == "The provided principal was invalid. Please check the principal and try again."
    with pytest.raises(ClientError) as exc:
        c.add_permission(FunctionName="perm", StatementId="x", Action="lambda:InvokeFunction", Principal="*",
                         Qualifier="$LATEST")
    assert _error(exc)[2] == "We currently do not support adding policies for $LATEST."
    with pytest.raises(ClientError) as exc:
        c.add_permission(FunctionName="perm", StatementId="y", Action="lambda:InvokeFunction", Principal="*",
                         RevisionId="stale")
    assert _error(exc)[:2] == (412, "PreconditionFailedException")
    c.remove_permission(FunctionName="perm", StatementId="s3")
    with pytest.raises(ClientError) as exc:
        c.remove_permission(FunctionName="perm", StatementId="s3")
    assert _error(exc)[0] == 404


def test_tags(server: Any, account: str) -> None:
    c = lam(server, account)
    arn = create(c, "tagged", Tags={"team": "core"})["FunctionArn"]
    assert c.list_tags(Resource=arn)["Tags"] == {"team": "core"}
    c.tag_resource(Resource=arn, Tags={"env": "dev"})
    c.untag_resource(Resource=arn, TagKeys=["team"])
    assert c.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    assert c.get_function(FunctionName="tagged")["Tags"] == {"env": "dev"}


def test_reserved_concurrency_and_throttling(server: Any, account: str) -> None:
    c = lam(server, account)
    create(c, "conc")
    settings = c.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] == 1
    assert c.get_function_concurrency(FunctionName="conc").get("ReservedConcurrentExecutions") is None
    with pytest.raises(ClientError) as exc:
        c.put_function_concurrency(FunctionName="conc", ReservedConcurrentExecutions=901)
    assert _error(exc) == (400, "InvalidParameterValueException",
                           "Specified ReservedConcurrentExecutions for function decreases account's "
                           "UnreservedConcurrentExecution below its minimum value of [100].")
    assert c.put_function_concurrency(FunctionName="conc", ReservedConcurrentExecutions=0)[
        "ReservedConcurrentExecutions"] == 0
    assert c.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000
    with pytest.raises(ClientError) as exc:
        c.invoke(FunctionName="conc", Payload=b"{}")
    assert _error(exc) == (429, "TooManyRequestsException", "Rate Exceeded.")
    assert exc.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    c.delete_function_concurrency(FunctionName="conc")
    assert c.invoke(FunctionName="conc", Payload=b"{}")["StatusCode"] == 200


def test_event_invoke_configs(server: Any, account: str) -> None:
    c = lam(server, account)
    arn = create(c, "eic")["FunctionArn"]
    with pytest.raises(ClientError) as exc:
        c.put_function_event_invoke_config(FunctionName="eic")
    assert _error(exc)[2] == "You must specify at least one of error handling or destination setting."
    put = c.put_function_event_invoke_config(FunctionName="eic", MaximumRetryAttempts=0)
    assert put["FunctionArn"] == f"{arn}:$LATEST" and put["MaximumRetryAttempts"] == 0
    updated = c.update_function_event_invoke_config(FunctionName="eic", MaximumEventAgeInSeconds=60)
    assert updated["MaximumRetryAttempts"] == 0 and updated["MaximumEventAgeInSeconds"] == 60
    assert c.get_function_event_invoke_config(FunctionName="eic")["MaximumEventAgeInSeconds"] == 60
    assert len(c.list_function_event_invoke_configs(FunctionName="eic")["FunctionEventInvokeConfigs"]) == 1
    c.delete_function_event_invoke_config(FunctionName="eic")
    with pytest.raises(ClientError) as exc:
        c.get_function_event_invoke_config(FunctionName="eic")
    assert _error(exc)[0] == 404


def test_function_url_configs(server: Any, account: str) -> None:
    c = lam(server, account)
    arn = create(c, "web")["FunctionArn"]
    made = c.create_function_url_config(FunctionName="web", AuthType="NONE")
    assert made["FunctionArn"] == arn and made["AuthType"] == "NONE" and made["FunctionUrl"].endswith("/")
    with pytest.raises(ClientError) as exc:
        c.create_function_url_config(FunctionName="web", AuthType="NONE")
    assert _error(exc)[:2] == (409, "ResourceConflictException")
    assert c.update_function_url_config(FunctionName="web", AuthType="AWS_IAM")["AuthType"] == "AWS_IAM"
    assert c.get_function_url_config(FunctionName="web")["AuthType"] == "AWS_IAM"
    assert [u["FunctionArn"] for u in c.list_function_url_configs(FunctionName="web")["FunctionUrlConfigs"]] == [arn]
    c.delete_function_url_config(FunctionName="web")
    with pytest.raises(ClientError) as exc:
        c.get_function_url_config(FunctionName="web")
    assert _error(exc)[0] == 404


def test_a_layer_is_laid_out_for_the_function(server: Any, account: str) -> None:
    c = lam(server, account)
    layer = c.publish_layer_version(LayerName="shared", Content={"ZipFile": zipped(
        {"python/greeting.py": "WORD = 'hello from a layer'\n"})}, CompatibleRuntimes=["python3.12"])
    assert layer["Version"] == 1 and layer["LayerVersionArn"].endswith(":layer:shared:1")
    assert c.get_layer_version(LayerName="shared", VersionNumber=1)["Content"]["CodeSize"] > 0
    assert [item["LayerName"] for item in c.list_layers()["Layers"]] == ["shared"]
    create(c, "layered", zipped({"app.py": "import greeting\ndef handler(e, c):\n    return greeting.WORD\n"}),
           Layers=[layer["LayerVersionArn"]])
    assert json.loads(c.invoke(FunctionName="layered")["Payload"].read()) == "hello from a layer"
    with pytest.raises(ClientError) as exc:
        create(c, "nolayer", Layers=[layer["LayerVersionArn"][:-1] + "9"], wait=False)
    assert _error(exc)[:2] == (400, "InvalidParameterValueException")
    c.delete_layer_version(LayerName="shared", VersionNumber=1)
    assert c.list_layer_versions(LayerName="shared")["LayerVersions"] == []
    again = c.publish_layer_version(LayerName="shared", Content={"ZipFile": zipped({"python/x.py": ""})})
    assert again["Version"] == 2  # numbers are never given twice


def test_a_state_machine_task_invokes_the_function_in_process(server: Any, account: str) -> None:
    c = lam(server, account)
    arn = create(c, "task", zipped({"app.py": "def handler(e, c):\n    return {'doubled': e['n'] * 2}\n"}))[
        "FunctionArn"]
    sfn = client("stepfunctions", server.url, account=account)
    definition = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": arn, "Payload.$": "$"}, "End": True}}}
    machine = sfn.create_state_machine(name="calls-fn", definition=json.dumps(definition), roleArn=ROLE)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps({"n": 21}))
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=run["executionArn"]))["status"] != "RUNNING"
                      and d, what="the execution")
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["Payload"] == {"doubled": 42} and output["StatusCode"] == 200
    assert output["ExecutedVersion"] == "$LATEST"


def test_a_function_url_called_by_a_plain_http_client(server: Any, account: str) -> None:
    import httpx

    c = lam(server, account)
    create(c, "page", zipped({"app.py": (
        "import json\n"
        "def handler(event, context):\n"
        "    if event['rawPath'] == '/plain':\n"
        "        return {'just': 'json'}\n"
        "    if event['rawPath'] == '/boom':\n"
        "        raise RuntimeError('no')\n"
        "    return {'statusCode': 201, 'headers': {'x-seen': event['requestContext']['http']['method']},\n"
        "            'cookies': ['a=1', 'b=2'],\n"
        "            'body': json.dumps({'path': event['rawPath'], 'q': event.get('queryStringParameters'),\n"
        "                                'body': event.get('body'), 'version': event['version']})}\n")}))
    url = c.create_function_url_config(FunctionName="page", AuthType="NONE")["FunctionUrl"]
    r = httpx.post(url + "items/7?tag=a&tag=b", content=b'{"n": 1}', headers={"Content-Type": "application/json"},
                   timeout=30)
    assert r.status_code == 201 and r.headers["x-seen"] == "POST"
    assert r.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert r.json() == {"path": "/items/7", "q": {"tag": "a,b"}, "body": '{"n": 1}', "version": "2.0"}
    plain = httpx.get(url + "plain", timeout=30)
    assert plain.status_code == 200 and plain.json() == {"just": "json"}
    assert httpx.get(url + "boom", timeout=30).status_code == 502
    c.delete_function_url_config(FunctionName="page")
    gone = httpx.get(url, timeout=30)
    assert gone.status_code == 403 and gone.json() == {"Message": None}
