"""EventBridge connections through boto3 against a real server, on both backends:
CreateConnection / DescribeConnection / ListConnections / UpdateConnection /
DeleteConnection / DeauthorizeConnection, for API_KEY, BASIC and OAUTH_CLIENT_CREDENTIALS.

Facts: states, shapes and messages as recorded on AWS (LocalStack's snapshot of AWS,
tests/aws/services/events/test_api_destinations_and_connection.snapshot.json): API_KEY and
BASIC connections are AUTHORIZED at once, OAuth ones AUTHORIZING; describes show no secret;
DeleteConnection answers DELETING; a missing one is "Failed to describe the connection(s).
Connection '<name>' does not exist."
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _http_endpoint import Answer, Endpoint
from _waiting import PATIENCE

SECRET_ARN = re.compile(
    r"^arn:aws:secretsmanager:us-east-1:(\d{12}):secret:events!connection/([^/]+)/[0-9a-f-]{36}-[A-Za-z0-9]{6}$")
CONNECTION_ARN = re.compile(r"^arn:aws:events:us-east-1:(\d{12}):connection/([^/]+)/[0-9a-f-]{36}$")

API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t-key"}}
BASIC = {"BasicAuthParameters": {"Username": "alice", "Password": "s3cr3t-pass"}}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.close()


def _events(server: Any) -> Any:
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("events", server.url, account=account)


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return dict(exc.value.response["Error"])


def _oauth(endpoint: Endpoint, path: str) -> dict[str, Any]:
    return {"OAuthParameters": {
        "ClientParameters": {"ClientID": "client-1", "ClientSecret": "s3cr3t-client"},
        "AuthorizationEndpoint": endpoint.url + path, "HttpMethod": "POST",
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}]}}}


def _wait_state(ev: Any, name: str, state: str, timeout: float = PATIENCE) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    described = ev.describe_connection(Name=name)
    while described["ConnectionState"] != state and time.monotonic() < deadline:
        time.sleep(0.1)
        described = ev.describe_connection(Name=name)
    return dict(described)


def test_api_key_connection_is_authorized_at_once_and_hides_its_secret(server):
    ev = _events(server)
    created = ev.create_connection(Name="keyed", Description="d", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    assert created["ConnectionState"] == "AUTHORIZED"
    assert CONNECTION_ARN.match(created["ConnectionArn"]).group(2) == "keyed"
    assert "LastAuthorizedTime" not in created  # as recorded on AWS
    described = ev.describe_connection(Name="keyed")
    assert described["ConnectionArn"] == created["ConnectionArn"]
    assert described["Name"] == "keyed" and described["Description"] == "d"
    assert described["AuthorizationType"] == "API_KEY"
    assert described["ConnectionState"] == "AUTHORIZED"
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    assert SECRET_ARN.match(described["SecretArn"]).group(2) == "keyed"
    assert {"CreationTime", "LastModifiedTime", "LastAuthorizedTime"} <= set(described)
    assert "s3cr3t" not in json.dumps(described, default=str)


def test_basic_connection_shows_the_user_name_only(server):
    ev = _events(server)
    assert ev.create_connection(Name="b", AuthorizationType="BASIC", AuthParameters=BASIC)["ConnectionState"] == "AUTHORIZED"
    described = ev.describe_connection(Name="b")
    assert described["AuthParameters"] == {"BasicAuthParameters": {"Username": "alice"}}
    assert "s3cr3t" not in json.dumps(described, default=str)


def test_invocation_parameters_are_described_without_secret_values(server):
    ev = _events(server)
    http = {"HeaderParameters": [{"Key": "X-Open", "Value": "shown", "IsValueSecret": False},
                                 {"Key": "X-Hidden", "Value": "s3cr3t-header", "IsValueSecret": True}],
            "QueryStringParameters": [{"Key": "q", "Value": "s3cr3t-q", "IsValueSecret": True}]}
    ev.create_connection(Name="p", AuthorizationType="API_KEY",
                         AuthParameters={**API_KEY, "InvocationHttpParameters": http})
    shown = ev.describe_connection(Name="p")["AuthParameters"]["InvocationHttpParameters"]
    assert shown["HeaderParameters"] == [{"Key": "X-Open", "Value": "shown", "IsValueSecret": False},
                                         {"Key": "X-Hidden", "IsValueSecret": True}]
    assert shown["QueryStringParameters"] == [{"Key": "q", "IsValueSecret": True}]


def test_oauth_connection_authorizes_in_the_background(server, endpoint):
    endpoint.script("/token-ok", Answer(200, json.dumps({"access_token": "tok-1", "expires_in": 3600}).encode()))
    ev = _events(server)
    created = ev.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                                   AuthParameters=_oauth(endpoint, "/token-ok"))
    assert created["ConnectionState"] == "AUTHORIZING"
    described = _wait_state(ev, "o", "AUTHORIZED")
    assert described["ConnectionState"] == "AUTHORIZED"
    assert described["AuthParameters"]["OAuthParameters"] == {
        "ClientParameters": {"ClientID": "client-1"}, "AuthorizationEndpoint": endpoint.url + "/token-ok",
        "HttpMethod": "POST",
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}]}}
    fetch = endpoint.seen("/token-ok")[0]
    assert fetch.method == "POST"
    assert fetch.headers["authorization"] == "Basic Y2xpZW50LTE6czNjcjN0LWNsaWVudA=="  # client-1:s3cr3t-client
    assert fetch.body == b"grant_type=client_credentials"


def test_oauth_http_method_is_taken_in_lower_case_as_on_aws(server, endpoint):
    """AWS accepts "put" (localstack's AWS-validated API_DESTINATION_AUTHS used it)."""
    endpoint.script("/token-put", Answer(200, json.dumps({"access_token": "tok-2", "expires_in": 3600}).encode()))
    ev = _events(server)
    params = _oauth(endpoint, "/token-put")
    params["OAuthParameters"]["HttpMethod"] = "put"
    ev.create_connection(Name="lower", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=params)
    assert _wait_state(ev, "lower", "AUTHORIZED")["ConnectionState"] == "AUTHORIZED"
    assert endpoint.seen("/token-put")[0].method == "PUT"
    params["OAuthParameters"]["HttpMethod"] = "patch"
    err = _error(ev.create_connection, Name="patch", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                 AuthParameters=params)
    assert err == {"Code": "ValidationException", "Message": (
        "1 validation error detected: Value 'patch' at 'authParameters.oAuthParameters.httpMethod' failed to "
        "satisfy constraint: Member must satisfy enum value set: [GET, POST, PUT]")}


def test_oauth_connection_refused_by_its_endpoint_is_deauthorized(server, endpoint):
    endpoint.script("/token-refused", 400)
    ev = _events(server)
    ev.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                         AuthParameters=_oauth(endpoint, "/token-refused"))
    described = _wait_state(ev, "o", "DEAUTHORIZED")
    assert described["ConnectionState"] == "DEAUTHORIZED"
    assert "400" in described["StateReason"]


@pytest.mark.parametrize("auth_type, params, message", [
    ("API_KEY", BASIC, "Parameter(s) BasicAuthParameters not valid for authorization type API_KEY."),
    ("BASIC", {}, "Parameter(s) BasicAuthParameters must be specified for authorization type BASIC."),
    ("OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
        "ClientParameters": {"ClientID": "c", "ClientSecret": "s"}, "AuthorizationEndpoint": "ftp://x/token",
        "HttpMethod": "POST"}},
     "Parameter AuthParameters.OAuthParameters.AuthorizationEndpoint is not valid. Reason: The endpoint must be an HTTPS URL."),
])
def test_auth_parameters_must_fit_the_authorization_type(server, auth_type, params, message):
    ev = _events(server)
    err = _error(ev.create_connection, Name="bad", AuthorizationType=auth_type, AuthParameters=params)
    assert err == {"Code": "ValidationException", "Message": message}
    assert ev.list_connections()["Connections"] == []


def test_shape_errors_use_awss_wording(server):
    raw = client("events", server.url, account=str(uuid.uuid4().int)[:12].rjust(12, "1"), raw=True)
    err = _error(raw.create_connection, Name="Invalid Name With Spaces!", AuthorizationType="API_KEY",
                 AuthParameters=API_KEY)
    assert err["Code"] == "ValidationException"
    assert err["Message"] == ("1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
    err = _error(raw.create_connection, Name="ok", AuthorizationType="INVALID_AUTH_TYPE", AuthParameters=API_KEY)
    assert err["Message"].startswith("1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType'")


def test_a_name_is_taken_once(server):
    ev = _events(server)
    first = ev.create_connection(Name="dup", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    err = _error(ev.create_connection, Name="dup", AuthorizationType="BASIC", AuthParameters=BASIC)
    assert err == {"Code": "ResourceAlreadyExistsException", "Message": "Connection dup already exists."}
    assert ev.describe_connection(Name="dup")["ConnectionArn"] == first["ConnectionArn"]
    assert ev.describe_connection(Name="dup")["AuthorizationType"] == "API_KEY"


def test_list_filters_and_pages(server, endpoint):
    endpoint.script("/token-never", 500)
    ev = _events(server)
    for name in ("c-a", "c-b", "c-c", "other"):
        ev.create_connection(Name=name, AuthorizationType="API_KEY", AuthParameters=API_KEY)
    ev.create_connection(Name="c-o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                         AuthParameters=_oauth(endpoint, "/token-never"))
    listed = ev.list_connections(NamePrefix="c-")["Connections"]
    assert [c["Name"] for c in listed] == ["c-a", "c-b", "c-c", "c-o"]
    assert set(listed[0]) == {"ConnectionArn", "Name", "ConnectionState", "AuthorizationType", "CreationTime",
                              "LastModifiedTime", "LastAuthorizedTime"}
    authorized = ev.list_connections(ConnectionState="AUTHORIZED")["Connections"]
    assert [c["Name"] for c in authorized] == ["c-a", "c-b", "c-c", "other"]
    first = ev.list_connections(NamePrefix="c-", Limit=2)
    assert [c["Name"] for c in first["Connections"]] == ["c-a", "c-b"]
    second = ev.list_connections(NamePrefix="c-", Limit=2, NextToken=first["NextToken"])
    assert [c["Name"] for c in second["Connections"]] == ["c-c", "c-o"]
    assert "NextToken" not in second


def test_update_changes_what_is_given_and_keeps_the_rest(server):
    ev = _events(server)
    created = ev.create_connection(Name="u", Description="before", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    updated = ev.update_connection(Name="u", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "new-value"}})
    assert updated["ConnectionArn"] == created["ConnectionArn"] and updated["ConnectionState"] == "AUTHORIZED"
    described = ev.describe_connection(Name="u")
    assert described["Description"] == "before"
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    assert described["LastModifiedTime"] >= described["CreationTime"]
    ev.update_connection(Name="u", Description="after", AuthorizationType="BASIC", AuthParameters=BASIC)
    described = ev.describe_connection(Name="u")
    assert described["Description"] == "after" and described["AuthorizationType"] == "BASIC"
    assert described["AuthParameters"] == {"BasicAuthParameters": {"Username": "alice"}}
    err = _error(ev.update_connection, Name="u", AuthorizationType="API_KEY")
    assert err == {"Code": "ValidationException",
                   "Message": "Parameter(s) ApiKeyAuthParameters must be specified for authorization type API_KEY."}
    assert ev.describe_connection(Name="u")["AuthorizationType"] == "BASIC"
    err = _error(ev.update_connection, Name="missing", Description="x")
    assert err == {"Code": "ResourceNotFoundException",
                   "Message": "Failed to update the connection(s). Connection 'missing' does not exist."}


def test_deauthorize_drops_the_secret_until_an_update_brings_one(server):
    ev = _events(server)
    ev.create_connection(Name="d", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    answer = ev.deauthorize_connection(Name="d")
    assert answer["ConnectionState"] == "DEAUTHORIZING"
    described = ev.describe_connection(Name="d")
    assert described["ConnectionState"] == "DEAUTHORIZED"
    assert "SecretArn" not in described
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    ev.update_connection(Name="d", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "fresh"}})
    described = ev.describe_connection(Name="d")
    assert described["ConnectionState"] == "AUTHORIZED"
    assert SECRET_ARN.match(described["SecretArn"])


def test_delete_answers_deleting_and_the_connection_is_gone(server):
    ev = _events(server)
    created = ev.create_connection(Name="gone", AuthorizationType="BASIC", AuthParameters=BASIC)
    deleted = ev.delete_connection(Name="gone")
    assert deleted["ConnectionArn"] == created["ConnectionArn"] and deleted["ConnectionState"] == "DELETING"
    err = _error(ev.describe_connection, Name="gone")
    assert err == {"Code": "ResourceNotFoundException",
                   "Message": "Failed to describe the connection(s). Connection 'gone' does not exist."}
    err = _error(ev.delete_connection, Name="gone")
    assert err["Code"] == "ResourceNotFoundException"
    assert ev.list_connections()["Connections"] == []
