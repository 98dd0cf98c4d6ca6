"""The Lambda API through boto3 against a real server, on both backends: functions from a
zip and from a local folder, their states and waiters, versions and aliases, and Invoke."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from services.functions._functions import ECHO, ROLE, create, lam, new_account, zipped


@pytest.fixture
def account() -> str:
    return new_account()


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    r = exc.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def test_create_from_a_zip_is_pending_then_active_and_invokes(server: Any, account: str) -> None:
    c = lam(server, account)
    created = create(c, "echo", wait=False)
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["Version"] == "$LATEST" and created["Timeout"] == 3 and created["MemorySize"] == 128
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/echo"}
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:{account}:function:echo"
    c.get_waiter("function_active_v2").wait(FunctionName="echo", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    got = c.get_function(FunctionName="echo")
    assert got["Configuration"]["State"] == "Active" and got["Code"]["RepositoryType"] == "S3"
    assert httpx.get(got["Code"]["Location"], timeout=30).content == ECHO  # the zip, as uploaded
    answer = c.invoke(FunctionName="echo", Payload=b'{"a": 1}', LogType="Tail")
    assert answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST"
    assert json.loads(answer["Payload"].read()) == {"got": {"a": 1}}
    assert "START RequestId:" in base64.b64decode(answer["LogResult"]).decode()
    with pytest.raises(ClientError) as exc:
        create(c, "echo", wait=False)
    assert _error(exc) == (409, "ResourceConflictException", "Function already exist: echo")


def test_a_handler_error_is_unhandled(server: Any, account: str) -> None:
    c = lam(server, account)
    create(c, "fails", zipped({"app.py": "def handler(event, context):\n    raise ValueError('Handler fails')\n"}))
    answer = c.invoke(FunctionName="fails", Payload=b"{}")
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "Handler fails"


def test_a_hot_reload_folder_is_read_live(server: Any, account: str, tmp_path: Path) -> None:
    c = lam(server, account)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'one'\n")
    created = create(c, "live", Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)})
    assert created["CodeSha256"] == "hot-reloading-hash-not-available"
    assert json.loads(c.invoke(FunctionName="live")["Payload"].read()) == "one"
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'two'\n")
    assert json.loads(c.invoke(FunctionName="live")["Payload"].read()) == "two"
    with pytest.raises(ClientError) as exc:
        create(c, "relative", Code={"S3Bucket": "hot-reload", "S3Key": "relative/dir"}, wait=False)
    assert _error(exc)[2] == "When using hot reloading, the archive key has to be an absolute path!"


def test_update_code_and_configuration_with_the_updated_waiter(server: Any, account: str) -> None:
    c = lam(server, account)
    create(c, "upd")
    updated = c.update_function_code(FunctionName="upd", ZipFile=zipped({"app.py": "def handler(e, c):\n    return 2\n"}))
    assert updated["LastUpdateStatus"] == "InProgress"
    c.get_waiter("function_updated_v2").wait(FunctionName="upd", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    assert json.loads(c.invoke(FunctionName="upd")["Payload"].read()) == 2
    changed = c.update_function_configuration(FunctionName="upd", Timeout=10,
                                              Environment={"Variables": {"COLOUR": "blue"}})
    assert changed["Timeout"] == 10 and changed["Environment"] == {"Variables": {"COLOUR": "blue"}}
    c.get_waiter("function_updated").wait(FunctionName="upd", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert c.get_function_configuration(FunctionName="upd")["LastUpdateStatus"] == "Successful"


def test_validation_errors_change_nothing(server: Any, account: str) -> None:
    c = lam(server, account)
    cases = [
        (dict(Timeout=901), 400, "ValidationException", "1 validation error detected: Value '901' at 'timeout' failed "
         "to satisfy constraint: Member must have value less than or equal to 900"),
        (dict(Runtime="python3.8"), 400, "InvalidParameterValueException",
         "The runtime parameter of python3.8 is no longer supported for creating or updating AWS Lambda functions. "
         "We recommend you use a supported runtime while creating or updating functions."),
        (dict(Role="not-a-role"), 400, "ValidationException", None),
        (dict(Environment={"Variables": {"AWS_REGION": "x"}}), 400, "InvalidParameterValueException",
         "Lambda was unable to configure your environment variables because the environment variables you have "
         "provided contains reserved keys that are currently not supported for modification. Reserved keys used in "
         "this request: AWS_REGION"),
        (dict(Code={"ZipFile": b"not a zip"}), 400, "InvalidParameterValueException",
         "Could not unzip uploaded file. Please check your file, then try to upload again."),
        (dict(Runtime="java21"), 400, "InvalidParameterValueException", None),  # no JVM runtime here
    ]
    for extra, status, code, message in cases:
        params: dict[str, Any] = {"FunctionName": "bad", "Runtime": "python3.12", "Role": ROLE,
                                  "Handler": "app.handler", "Code": {"ZipFile": ECHO}, **extra}
        with pytest.raises(ClientError) as exc:
            c.create_function(**params)
        got = _error(exc)
        assert got[:2] == (status, code), (extra, got)
        if message is not None:
            assert got[2] == message
    assert c.list_functions()["Functions"] == []
    with pytest.raises(ClientError) as exc:
        c.get_function(FunctionName="bad")
    assert _error(exc) == (404, "ResourceNotFoundException",
                           f"Function not found: arn:aws:lambda:us-east-1:{account}:function:bad")


def test_versions_aliases_and_weighted_routing(server: Any, account: str) -> None:
    c = lam(server, account)
    create(c, "ver", zipped({"app.py": "def handler(e, c):\n    return 1\n"}))
    v1 = c.publish_version(FunctionName="ver")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(":ver:1")
    assert c.publish_version(FunctionName="ver")["Version"] == "1"  # unchanged: the same version
    c.update_function_code(FunctionName="ver", ZipFile=zipped({"app.py": "def handler(e, c):\n    return 2\n"}))
    c.get_waiter("function_updated_v2").wait(FunctionName="ver", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    assert c.publish_version(FunctionName="ver")["Version"] == "2"
    versions = [v["Version"] for v in c.list_versions_by_function(FunctionName="ver")["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    alias = c.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(":ver:live")
    answer = c.invoke(FunctionName="ver", Qualifier="live")
    assert answer["ExecutedVersion"] == "1" and json.loads(answer["Payload"].read()) == 1
    c.update_alias(FunctionName="ver", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    answer = c.invoke(FunctionName="ver:live")
    assert answer["ExecutedVersion"] == "2" and json.loads(answer["Payload"].read()) == 2
    with pytest.raises(ClientError) as exc:
        c.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
    assert _error(exc) == (409, "ResourceConflictException",
                           f"Alias already exists: arn:aws:lambda:us-east-1:{account}:function:ver:live")
    with pytest.raises(ClientError) as exc:
        c.invoke(FunctionName="ver:live", Qualifier="1")
    assert _error(exc)[2] == "The derived qualifier from the function name does not match the specified qualifier."
    assert [a["Name"] for a in c.list_aliases(FunctionName="ver")["Aliases"]] == ["live"]
    c.delete_alias(FunctionName="ver", Name="live")
    c.delete_function(FunctionName="ver", Qualifier="1")
    assert [v["Version"] for v in c.list_versions_by_function(FunctionName="ver")["Versions"]] == ["$LATEST", "2"]
    c.delete_function(FunctionName="ver")
    with pytest.raises(ClientError) as exc:
        c.get_function(FunctionName="ver")
    assert _error(exc)[0] == 404


def test_invoke_dry_run_payload_limits_and_bad_json(server: Any, account: str) -> None:
    c = lam(server, account)
    create(c, "lim")
    assert c.invoke(FunctionName="lim", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        c.invoke(FunctionName="lim", Payload=b"{not json")
    assert _error(exc)[:2] == (400, "InvalidRequestContentException")
    big = b'"' + b"x" * 6_291_456 + b'"'
    with pytest.raises(ClientError) as exc:
        c.invoke(FunctionName="lim", Payload=big)
    assert _error(exc) == (413, "RequestEntityTooLargeException",
                           "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
