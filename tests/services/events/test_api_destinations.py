"""EventBridge API destinations through boto3 against a real server, on both backends:
CreateApiDestination / DescribeApiDestination / ListApiDestinations /
UpdateApiDestination / DeleteApiDestination, and PutTargets' rules for API destination
targets.

Facts (AWS, as recorded in LocalStack's snapshot of AWS): InvocationRateLimitPerSecond
defaults to 300; the destination is ACTIVE with an authorized connection and INACTIVE
with an OAuth connection still authorizing; a missing one is "Failed to describe the
api-destination(s). An api-destination '<name>' does not exist."; PutTargets without a
RoleArn for a role-invoked target: "RoleArn is required for target <arn>."
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client

API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "v"}}
DESTINATION_ARN = re.compile(r"^arn:aws:events:us-east-1:(\d{12}):api-destination/([^/]+)/[0-9a-f-]{36}$")


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return dict(exc.value.response["Error"])


def _setup(server: Any) -> tuple[Any, str]:
    ev = client("events", server.url, account=_account())
    arn = ev.create_connection(Name="conn", AuthorizationType="API_KEY", AuthParameters=API_KEY)["ConnectionArn"]
    return ev, arn


def test_create_describe_list_update_delete(server):
    ev, conn = _setup(server)
    created = ev.create_api_destination(Name="dest", Description="first", ConnectionArn=conn,
                                        InvocationEndpoint="https://example.com/api", HttpMethod="POST")
    assert DESTINATION_ARN.match(created["ApiDestinationArn"]).group(2) == "dest"
    assert created["ApiDestinationState"] == "ACTIVE"
    assert {"CreationTime", "LastModifiedTime"} <= set(created)
    described = ev.describe_api_destination(Name="dest")
    assert {k: v for k, v in described.items() if k not in ("ResponseMetadata", "CreationTime", "LastModifiedTime")} == {
        "ApiDestinationArn": created["ApiDestinationArn"], "Name": "dest", "Description": "first",
        "ApiDestinationState": "ACTIVE", "ConnectionArn": conn, "InvocationEndpoint": "https://example.com/api",
        "HttpMethod": "POST", "InvocationRateLimitPerSecond": 300}
    listed = ev.list_api_destinations()["ApiDestinations"]
    assert [d["Name"] for d in listed] == ["dest"] and "Description" not in listed[0]
    assert listed[0]["InvocationRateLimitPerSecond"] == 300

    updated = ev.update_api_destination(Name="dest", Description="second", HttpMethod="PUT",
                                        InvocationEndpoint="https://example.com/api/v2", InvocationRateLimitPerSecond=7)
    assert updated["ApiDestinationArn"] == created["ApiDestinationArn"] and updated["ApiDestinationState"] == "ACTIVE"
    described = ev.describe_api_destination(Name="dest")
    assert (described["Description"], described["HttpMethod"], described["InvocationEndpoint"],
            described["InvocationRateLimitPerSecond"], described["ConnectionArn"]) == (
        "second", "PUT", "https://example.com/api/v2", 7, conn)

    ev.delete_api_destination(Name="dest")
    err = _error(ev.describe_api_destination, Name="dest")
    assert err == {"Code": "ResourceNotFoundException",
                   "Message": "Failed to describe the api-destination(s). An api-destination 'dest' does not exist."}
    assert _error(ev.delete_api_destination, Name="dest")["Code"] == "ResourceNotFoundException"


def test_list_filters_by_prefix_and_connection_and_pages(server):
    ev, conn = _setup(server)
    other = ev.create_connection(Name="other", AuthorizationType="API_KEY", AuthParameters=API_KEY)["ConnectionArn"]
    for name, connection in (("a-1", conn), ("a-2", other), ("a-3", conn), ("b-1", conn)):
        ev.create_api_destination(Name=name, ConnectionArn=connection, InvocationEndpoint="https://example.com/x",
                                  HttpMethod="POST")
    assert [d["Name"] for d in ev.list_api_destinations(NamePrefix="a-")["ApiDestinations"]] == ["a-1", "a-2", "a-3"]
    assert [d["Name"] for d in ev.list_api_destinations(ConnectionArn=conn)["ApiDestinations"]] == ["a-1", "a-3", "b-1"]
    first = ev.list_api_destinations(Limit=3)
    second = ev.list_api_destinations(Limit=3, NextToken=first["NextToken"])
    assert [d["Name"] for d in first["ApiDestinations"] + second["ApiDestinations"]] == ["a-1", "a-2", "a-3", "b-1"]
    assert "NextToken" not in second


def test_state_follows_the_connection(server):
    ev, conn = _setup(server)
    ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://example.com/x", HttpMethod="GET")
    ev.deauthorize_connection(Name="conn")
    assert ev.describe_api_destination(Name="d")["ApiDestinationState"] == "INACTIVE"
    # an OAuth connection whose endpoint cannot be reached never gets AUTHORIZED
    oauth = ev.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters={
        "OAuthParameters": {"ClientParameters": {"ClientID": "c", "ClientSecret": "s"},
                            "AuthorizationEndpoint": "http://127.0.0.1:9/token", "HttpMethod": "POST"}})
    created = ev.create_api_destination(Name="o", ConnectionArn=oauth["ConnectionArn"],
                                        InvocationEndpoint="https://example.com/x", HttpMethod="POST")
    assert created["ApiDestinationState"] == "INACTIVE"
    ev.update_connection(Name="conn", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "again"}})
    assert ev.describe_api_destination(Name="d")["ApiDestinationState"] == "ACTIVE"


def test_plain_http_endpoints_are_accepted_other_schemes_are_not(server):
    ev, conn = _setup(server)
    # AWS wants https; a self-hosted bus calls services on its own network too
    ev.create_api_destination(Name="plain", ConnectionArn=conn, InvocationEndpoint="http://10.0.0.1:8080/hook",
                              HttpMethod="POST")
    err = _error(ev.create_api_destination, Name="ftp", ConnectionArn=conn, InvocationEndpoint="ftp://example.com/x",
                 HttpMethod="POST")
    assert err == {"Code": "ValidationException",
                   "Message": "Parameter InvocationEndpoint is not valid. Reason: ftp://example.com/x is not an HTTPS URL."}
    err = _error(ev.update_api_destination, Name="plain", InvocationEndpoint="example.com/x")
    assert err["Code"] == "ValidationException"
    assert ev.describe_api_destination(Name="plain")["InvocationEndpoint"] == "http://10.0.0.1:8080/hook"
    assert [d["Name"] for d in ev.list_api_destinations()["ApiDestinations"]] == ["plain"]


def test_invalid_parameters_read_as_aws_words_them(server):
    """AWS's recorded answer (localstack test_create_api_destination_invalid_parameters):
    its enum lists the methods in its own order, not botocore's."""
    raw = client("events", server.url, account=_account(), raw=True)
    err = _error(raw.create_api_destination, Name="d", ConnectionArn="invalid-connection-arn",
                 HttpMethod="INVALID_METHOD", InvocationEndpoint="invalid-endpoint")
    assert err == {"Code": "ValidationException", "Message": (
        "2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:connection\\/[\\.\\-_A-Za-z0-9]+\\/[\\-A-Za-z0-9]+$; "
        "Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: "
        "[HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]")}


def test_rate_limit_is_1_to_300(server):
    ev, conn = _setup(server)
    err = _error(ev.create_api_destination, Name="fast", ConnectionArn=conn, InvocationEndpoint="https://e.com/x",
                 HttpMethod="POST", InvocationRateLimitPerSecond=301)
    assert err == {"Code": "ValidationException",
                   "Message": "1 validation error detected: Value '301' at 'invocationRateLimitPerSecond' failed to "
                              "satisfy constraint: Member must have value less than or equal to 300"}
    raw = client("events", server.url, account=conn.split(":")[4], raw=True)
    err = _error(raw.create_api_destination, Name="slow", ConnectionArn=conn, InvocationEndpoint="https://e.com/x",
                 HttpMethod="POST", InvocationRateLimitPerSecond=0)
    assert err["Code"] == "ValidationException" and "invocationRateLimitPerSecond" in err["Message"]
    ev.create_api_destination(Name="edge", ConnectionArn=conn, InvocationEndpoint="https://e.com/x", HttpMethod="POST",
                              InvocationRateLimitPerSecond=300)
    assert _error(ev.update_api_destination, Name="edge", InvocationRateLimitPerSecond=1000)["Code"] == "ValidationException"
    assert ev.describe_api_destination(Name="edge")["InvocationRateLimitPerSecond"] == 300


def test_the_connection_must_exist_and_names_are_unique(server):
    ev, conn = _setup(server)
    missing = conn.replace("connection/conn/", "connection/nope/")
    err = _error(ev.create_api_destination, Name="d", ConnectionArn=missing, InvocationEndpoint="https://e.com/x",
                 HttpMethod="POST")
    assert err == {"Code": "ResourceNotFoundException", "Message": "Connection 'nope' does not exist."}
    ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://e.com/x", HttpMethod="POST")
    err = _error(ev.create_api_destination, Name="d", ConnectionArn=conn, InvocationEndpoint="https://e.com/y",
                 HttpMethod="POST")
    assert err == {"Code": "ResourceAlreadyExistsException", "Message": "An api-destination 'd' already exists."}
    assert ev.describe_api_destination(Name="d")["InvocationEndpoint"] == "https://e.com/x"


def test_put_targets_rules_for_api_destinations(server):
    ev, conn = _setup(server)
    dest = ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://e.com/x",
                                     HttpMethod="POST")["ApiDestinationArn"]
    account = dest.split(":")[4]
    ev.put_rule(Name="r", EventPattern='{"source": ["shop"]}')
    err = _error(ev.put_targets, Rule="r", Targets=[{"Id": "t", "Arn": dest}])
    assert err == {"Code": "ValidationException", "Message": f"RoleArn is required for target {dest}."}
    err = _error(ev.put_targets, Rule="r", Targets=[{
        "Id": "q", "Arn": f"arn:aws:sqs:us-east-1:{account}:q", "HttpParameters": {"HeaderParameters": {"a": "b"}}}])
    assert err == {"Code": "ValidationException", "Message": "Parameter(s) HttpParameters not valid for target q."}
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []
    target = {"Id": "t", "Arn": dest, "RoleArn": f"arn:aws:iam::{account}:role/invoke",
              "HttpParameters": {"PathParameterValues": ["p"], "HeaderParameters": {"h": "v"},
                                 "QueryStringParameters": {"q": "v"}}}
    ev.put_targets(Rule="r", Targets=[target])
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == [target]
