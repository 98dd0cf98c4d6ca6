"""The secret AWS keeps for every EventBridge connection, through boto3 against a real
server, on both backends: made with the connection (``SecretArn`` in
DescribeConnection, OwningService ``events``), holding the authorization parameters,
kept in step on UpdateConnection, gone with DeauthorizeConnection and DeleteConnection,
and not changeable through Secrets Manager itself."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client


def _clients(server: Any) -> tuple[Any, Any]:
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("events", server.url, account=account), client("secretsmanager", server.url, account=account)


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return str(exc.value.response["Error"]["Code"])


def test_a_connection_keeps_its_parameters_in_a_managed_secret(server: Any) -> None:
    events, sm = _clients(server)
    events.create_connection(Name="keyed", AuthorizationType="API_KEY", AuthParameters={
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"},
        "InvocationHttpParameters": {"HeaderParameters": [{"Key": "h", "Value": "hv", "IsValueSecret": True}]}})
    secret_arn = events.describe_connection(Name="keyed")["SecretArn"]
    described = sm.describe_secret(SecretId=secret_arn)
    assert described["Name"].startswith("events!connection/keyed/") and described["OwningService"] == "events"
    assert described["ARN"] == secret_arn
    assert json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"]) == {
        "api_key_name": "x-api-key", "api_key_value": "s3cr3t",
        "invocation_http_parameters": {"header_parameters": [{"key": "h", "value": "hv", "is_value_secret": True}]}}
    listed = sm.list_secrets(Filters=[{"Key": "owning-service", "Values": ["events"]}])["SecretList"]
    assert [s["ARN"] for s in listed] == [secret_arn]

    events.update_connection(Name="keyed", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "rotated"}})
    assert events.describe_connection(Name="keyed")["SecretArn"] == secret_arn
    value = json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert value["api_key_value"] == "rotated" and value["api_key_name"] == "x-api-key"
    assert sorted(sm.describe_secret(SecretId=secret_arn)["VersionIdsToStages"].values()) == [
        ["AWSCURRENT"], ["AWSPREVIOUS"]]

    for call, kwargs in ((sm.delete_secret, {}), (sm.delete_secret, {"ForceDeleteWithoutRecovery": True}),
                         (sm.put_secret_value, {"SecretString": "x"}), (sm.update_secret, {"SecretString": "x"})):
        assert _code(call, SecretId=secret_arn, **kwargs) == "InvalidRequestException"
    assert json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"])["api_key_value"] == "rotated"

    events.delete_connection(Name="keyed")
    assert _code(sm.describe_secret, SecretId=secret_arn) == "ResourceNotFoundException"


def test_basic_and_oauth_secrets_follow_type_changes_and_deauthorization(server: Any) -> None:
    events, sm = _clients(server)
    events.create_connection(Name="basic", AuthorizationType="BASIC", AuthParameters={
        "BasicAuthParameters": {"Username": "alice", "Password": "pw"}})
    first = events.describe_connection(Name="basic")["SecretArn"]
    assert json.loads(sm.get_secret_value(SecretId=first)["SecretString"]) == {"username": "alice", "password": "pw"}
    events.deauthorize_connection(Name="basic")
    assert "SecretArn" not in events.describe_connection(Name="basic")
    assert _code(sm.get_secret_value, SecretId=first) == "ResourceNotFoundException"
    events.update_connection(Name="basic", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters={
        "OAuthParameters": {"ClientParameters": {"ClientID": "id", "ClientSecret": "cs"},
                            "AuthorizationEndpoint": "http://127.0.0.1:9/token", "HttpMethod": "POST"}})
    second = events.describe_connection(Name="basic")["SecretArn"]
    assert second != first
    assert json.loads(sm.get_secret_value(SecretId=second)["SecretString"]) == {
        "client_id": "id", "client_secret": "cs", "authorization_endpoint": "http://127.0.0.1:9/token",
        "http_method": "POST"}
    events.delete_connection(Name="basic")
    assert _code(sm.get_secret_value, SecretId=second) == "ResourceNotFoundException"
