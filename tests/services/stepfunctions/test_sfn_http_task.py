"""The HTTP task (``arn:aws:states:::http:invoke``) through boto3 on both backends, against
a real local HTTP server, authorized by EventBridge connections.

Facts (AWS developer guide, "Call HTTPS APIs in Step Functions workflows"): the task's
Headers, QueryParameters and RequestBody are merged with the connection's
InvocationHttpParameters, the connection's values taking precedence; ``Transform`` with
``RequestBodyEncoding: URL_ENCODED`` form-encodes the body, arrays per ``ArrayFormat``;
the output is ``{Headers, ResponseBody, StatusCode, StatusText}``; a status outside 2xx
fails the task with ``States.Http.StatusCode.<code>``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from _clients import client

from services.events._http_endpoint import Answer, Endpoint, Seen  # the API destination tests' receiver

ROLE = "arn:aws:iam::123456789012:role/sfn"
HTTP = "arn:aws:states:::http:invoke"
API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-123"}}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.close()


class Setup:
    def __init__(self, server: Any, endpoint: Endpoint) -> None:
        self.account = f"{uuid.uuid4().int % 10**12:012d}"
        self.sfn = client("stepfunctions", server.url, account=self.account)
        self.ev = client("events", server.url, account=self.account)
        self.endpoint = endpoint
        self.path = f"/{uuid.uuid4().hex}"

    @property
    def url(self) -> str:
        return self.endpoint.url + self.path

    def connection(self, auth_type: str = "API_KEY", auth: dict[str, Any] | None = None) -> str:
        return str(self.ev.create_connection(Name=f"c{uuid.uuid4().hex[:8]}", AuthorizationType=auth_type,
                                             AuthParameters=auth or API_KEY)["ConnectionArn"])

    def run(self, state: dict[str, Any], given: Any = None, *, jsonata: bool = False) -> dict[str, Any]:
        definition: dict[str, Any] = {"StartAt": "Call", "States": {"Call": {**state, "End": True}}}
        if jsonata:
            definition["QueryLanguage"] = "JSONata"
        arn = self.sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                            roleArn=ROLE)["stateMachineArn"]
        execution = self.sfn.start_execution(stateMachineArn=arn, input=json.dumps(given or {}))["executionArn"]
        deadline = time.monotonic() + 60
        while True:
            described = self.sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return dict(described)
            time.sleep(0.05)


def test_request_merges_the_connection_s_parameters_and_the_answer_is_aws_s_shape(server, endpoint):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(201, b'{"id": "c-1", "ok": true}', {"Content-Type": "application/json"}))
    connection = t.connection("API_KEY", {**API_KEY, "InvocationHttpParameters": {
        "HeaderParameters": [{"Key": "X-Shared", "Value": "from-connection", "IsValueSecret": False}],
        "QueryStringParameters": [{"Key": "shared", "Value": "from-connection", "IsValueSecret": False}],
        "BodyParameters": [{"Key": "tenant", "Value": "t-9", "IsValueSecret": True}]}})
    out = t.run({"Type": "Task", "Resource": HTTP, "Parameters": {
        "ApiEndpoint.$": "$.endpoint", "Method": "POST", "Authentication": {"ConnectionArn": connection},
        "Headers": {"X-Shared": "from-task", "X-Order": "o-1", "Host": "evil.example"},
        "QueryParameters": {"shared": "from-task", "page": "2"},
        "RequestBody": {"order.$": "$.order", "tenant": "from-task"}}},
        {"endpoint": t.url + "?fixed=1", "order": {"n": 1}})
    assert out["status"] == "SUCCEEDED", out
    seen = t.endpoint.seen(t.path)
    assert len(seen) == 1
    request = seen[0]
    assert request.method == "POST"
    assert request.query == {"fixed": "1", "page": "2", "shared": "from-connection"}
    assert request.headers["x-api-key"] == "key-123"
    assert request.headers["x-shared"] == "from-connection" and request.headers["x-order"] == "o-1"
    assert request.headers["host"].startswith("127.0.0.1")  # a refused header is dropped
    assert request.headers["user-agent"] == "Amazon|StepFunctions|HttpInvoke|us-east-1"
    assert request.headers["content-type"] == "application/json; charset=UTF-8"
    assert request.json() == {"order": {"n": 1}, "tenant": "t-9"}
    output = json.loads(out["output"])
    assert list(output) == ["Headers", "ResponseBody", "StatusCode", "StatusText"]
    assert output["ResponseBody"] == {"id": "c-1", "ok": True}
    assert (output["StatusCode"], output["StatusText"]) == (201, "Created")
    assert output["Headers"]["content-type"] == ["application/json"]


def test_jsonata_arguments_basic_auth_and_a_url_encoded_body(server, endpoint):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(200, b"plain words", {"Content-Type": "text/plain"}))
    connection = t.connection("BASIC", {"BasicAuthParameters": {"Username": "alice", "Password": "pw"}})
    out = t.run({"Type": "Task", "Resource": HTTP, "Arguments": {
        "ApiEndpoint": t.url, "Method": "{% $states.input.method %}",
        "Authentication": {"ConnectionArn": connection},
        "RequestBody": {"tags": "{% $states.input.tags %}", "name": "a b"},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}},
        "Output": "{% $states.result.ResponseBody %}"}, {"method": "PUT", "tags": ["x", "y"]}, jsonata=True)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == "plain words"
    request = t.endpoint.seen(t.path)[0]
    assert request.method == "PUT"
    assert request.headers["authorization"] == "Basic YWxpY2U6cHc="  # alice:pw
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.body == b"tags[]=x&tags[]=y&name=a%20b"


@pytest.mark.parametrize("array_format,expected", [
    ("INDICES", "a[0]=x&a[1]=y"), ("REPEAT", "a=x&a=y"), ("COMMAS", "a=x,y"), ("BRACKETS", "a[]=x&a[]=y")])
def test_array_formats(array_format, expected):
    from eventyard.services.stepfunctions.http_task import form_encoded

    assert form_encoded({"a": ["x", "y"]}, array_format) == expected


def test_a_status_outside_2xx_fails_the_task_with_aws_s_error_and_catch_sees_it(server, endpoint):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(404, b'{"message": "no such order"}', {"Content-Type": "application/json"}))
    connection = t.connection()
    task = {"Type": "Task", "Resource": HTTP, "Parameters": {
        "ApiEndpoint": t.url, "Method": "GET", "Authentication": {"ConnectionArn": connection}}}
    out = t.run(task)
    assert (out["status"], out["error"]) == ("FAILED", "States.Http.StatusCode.404")
    cause = json.loads(out["cause"])
    assert (cause["StatusCode"], cause["StatusText"]) == (404, "Not Found")
    assert cause["ResponseBody"] == {"message": "no such order"}

    retried = t.run({**task, "Retry": [{"ErrorEquals": ["States.Http.StatusCode.404"], "MaxAttempts": 1,
                                        "IntervalSeconds": 1}]})
    assert retried["error"] == "States.Http.StatusCode.404"
    assert len(t.endpoint.seen(t.path)) == 3  # the first run, then the retried one twice


def test_oauth_connection_sends_the_bearer_token(server, endpoint):
    t = Setup(server, endpoint)
    token_path = t.path + "/token"
    t.endpoint.handle(token_path, lambda seen: Answer(200, json.dumps(
        {"access_token": "tok-1", "expires_in": 3600}).encode(), {"Content-Type": "application/json"}))
    connection = t.connection("OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
        "AuthorizationEndpoint": t.endpoint.url + token_path, "HttpMethod": "POST"}})
    out = t.run({"Type": "Task", "Resource": HTTP, "Parameters": {
        "ApiEndpoint": t.url, "Method": "DELETE", "Authentication": {"ConnectionArn": connection}}})
    assert out["status"] == "SUCCEEDED", out
    assert [r.headers["authorization"] for r in t.endpoint.seen(t.path)] == ["Bearer tok-1"]


def test_a_missing_connection_fails_the_task(server, endpoint):
    t = Setup(server, endpoint)
    missing = f"arn:aws:events:us-east-1:{t.account}:connection/nope/{uuid.uuid4()}"
    out = t.run({"Type": "Task", "Resource": HTTP, "Parameters": {
        "ApiEndpoint": t.url, "Method": "GET", "Authentication": {"ConnectionArn": missing}}})
    assert (out["status"], out["error"]) == ("FAILED", "Events.ConnectionResource.ResourceNotFound")
    assert t.endpoint.seen(t.path) == []


def test_the_request_s_required_fields_are_checked_at_create_time(server, endpoint):
    t = Setup(server, endpoint)
    definition = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": HTTP, "Parameters": {
        "ApiEndpoint": t.url, "Method": "GET"}, "End": True}}}
    with pytest.raises(ClientError) as raised:
        t.sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)
    assert raised.value.response["Error"]["Code"] == "InvalidDefinition"
    assert "The field 'Authentication' is required but was missing" in raised.value.response["Error"]["Message"]


def test_test_state_at_trace_shows_the_raw_request_and_response(server, endpoint):
    import boto3
    from botocore.config import Config

    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(200, b'{"n": 1}', {"Content-Type": "application/json"}))
    connection = t.connection("API_KEY", {**API_KEY, "InvocationHttpParameters": {
        "QueryStringParameters": [{"Key": "secret", "Value": "s3cr3t", "IsValueSecret": True}]}})
    sfn = boto3.session.Session().client(  # TestState's host prefix (sync-) would need wildcard DNS
        "stepfunctions", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=t.account,
        aws_secret_access_key="test", config=Config(inject_host_prefix=False, retries={"max_attempts": 0}))
    definition = json.dumps({"Type": "Task", "Resource": HTTP, "End": True, "Parameters": {
        "ApiEndpoint": t.url, "Method": "POST", "Authentication": {"ConnectionArn": connection},
        "RequestBody": {"a": 1}}})
    hidden = sfn.test_state(definition=definition, roleArn=ROLE, inspectionLevel="TRACE")
    assert hidden["status"] == "SUCCEEDED", hidden
    request, response = hidden["inspectionData"]["request"], hidden["inspectionData"]["response"]
    assert (request["protocol"], request["method"], request["url"]) == ("http", "POST", t.url)
    assert request["body"] == '{"a": 1}' and "x-api-key" not in request["headers"]
    assert "User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1" in request["headers"]
    assert (response["statusCode"], response["statusMessage"], response["body"]) == ("200", "OK", '{"n": 1}')
    assert response["headers"].startswith("[") and "content-type: application/json" in response["headers"].lower()

    revealed = sfn.test_state(definition=definition, roleArn=ROLE, inspectionLevel="TRACE", revealSecrets=True)
    request = revealed["inspectionData"]["request"]
    assert "x-api-key: key-123" in request["headers"] and request["url"] == t.url + "?secret=s3cr3t"
    assert "request" not in sfn.test_state(definition=definition, roleArn=ROLE,
                                           inspectionLevel="DEBUG")["inspectionData"]
