"""Bad input gets AWS's error code and a message naming the field, changes nothing, never a 500."""

from __future__ import annotations

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client

ACCOUNT = "555555555555"

# (service, operation, params, error code, status, text the message must contain)
CASES = [
    # json 1.1 (EventBridge): Coral's ValidationException wording
    ("events", "create_event_bus", {}, "ValidationException", 400,
     "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"),
    ("events", "create_event_bus", {"Name": "x" * 257}, "ValidationException", 400,
     "at 'name' failed to satisfy constraint: Member must have length less than or equal to 256"),
    ("events", "create_event_bus", {"Name": "has space"}, "ValidationException", 400,
     "Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+"),
    ("events", "list_event_buses", {"Limit": 0}, "ValidationException", 400,
     "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ("events", "list_event_buses", {"Limit": 101}, "ValidationException", 400,
     "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"),
    ("events", "list_event_buses", {"NamePrefix": ""}, "ValidationException", 400,
     "at 'namePrefix' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ("events", "put_rule", {"Name": "r", "State": "SOMETIMES"}, "ValidationException", 400,
     "Value 'SOMETIMES' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]"),
    ("events", "put_events", {"Entries": [{"Source": "s"}] * 11}, "ValidationException", 400,
     "at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"),
    ("events", "put_events", {"Entries": [{"Source": "s", "TraceHeader": "t" * 501}]}, "ValidationException", 400,
     "at 'entries.1.member.traceHeader' failed to satisfy constraint: Member must have length less than or equal to 500"),
    ("events", "tag_resource", {"ResourceARN": "arn:aws:events:us-east-1:1:event-bus/x", "Tags": [{"Key": "k"}]},
     "ValidationException", 400, "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"),
    ("events", "create_event_bus", {"Name": "a", "Tags": [{"Key": "", "Value": "v"}]}, "ValidationException", 400,
     "at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ("events", "list_event_buses", {"Limit": "ten"}, "SerializationException", 400, "'limit'"),
    # json 1.0 (Step Functions)
    ("stepfunctions", "describe_execution", {}, "ValidationException", 400,
     "Value null at 'executionArn' failed to satisfy constraint: Member must not be null"),
    ("stepfunctions", "list_state_machines", {"maxResults": 1001}, "ValidationException", 400,
     "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"),
    # json 1.0 with query compatibility (SQS): legacy codes through x-amzn-query-error
    ("sqs", "get_queue_url", {}, "MissingParameter", 400, "The request must contain the parameter QueueName."),
    ("sqs", "tag_queue", {"QueueUrl": "http://x/1/q"}, "MissingParameter", 400,
     "The request must contain the parameter Tags."),
    # query (SNS)
    ("sns", "create_topic", {}, "InvalidParameter", 400, "Invalid parameter: Name"),
    # rest-json (Scheduler, Pipes)
    ("scheduler", "get_schedule", {"Name": "bad name!"}, "ValidationException", 400,
     "Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern"),
    ("scheduler", "list_schedules", {"MaxResults": 0}, "ValidationException", 400,
     "at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ("pipes", "describe_pipe", {"Name": "x" * 65}, "ValidationException", 400,
     "at 'name' failed to satisfy constraint: Member must have length less than or equal to 64"),
]


@pytest.mark.parametrize("service,operation,params,code,status,text", CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input(server, service, operation, params, code, status, text):
    c = client(service, server.url, account=ACCOUNT, raw=True)
    with pytest.raises(ClientError) as exc:
        getattr(c, operation)(**params)
    error = exc.value.response["Error"]
    assert error["Code"] == code
    assert text in error["Message"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert exc.value.response["ResponseMetadata"]["RequestId"]


def test_failed_create_changes_nothing(server):
    ev = client("events", server.url, account=ACCOUNT, raw=True)
    before = ev.list_event_buses()["EventBuses"]
    for params in ({"Name": "ok-name", "Tags": [{"Key": "", "Value": "v"}]},
                   {"Name": "ok-name", "Description": "d" * 600}):
        with pytest.raises(ClientError):
            ev.create_event_bus(**params)
    assert ev.list_event_buses()["EventBuses"] == before


RAW_CASES = [
    # (headers, body, code, status)
    ({"X-Amz-Target": "AWSEvents.ListEventBuses", "Content-Type": "application/x-amz-json-1.1"},
     b"{not json", "SerializationException", 400),
    ({"X-Amz-Target": "AWSEvents.ListEventBuses", "Content-Type": "application/x-amz-json-1.1"},
     b"[1, 2]", "SerializationException", 400),
    ({"X-Amz-Target": "AWSEvents.NoSuchThing", "Content-Type": "application/x-amz-json-1.1"},
     b"{}", "UnknownOperationException", 400),
    ({"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"},
     b"{}", "UnknownOperationException", 400),
    ({"X-Amz-Target": "AWSEvents.CreateEventBus", "Content-Type": "application/x-amz-json-1.1"},
     b'{"Name": {"nested": 1}}', "SerializationException", 400),
    ({"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=NoSuchAction&Version=2010-03-31", "InvalidAction", 400),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"Version=2010-03-31", "MissingAction", 400),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"Action=CreateTopic&Version=2010-03-31&Name=\xff\xfe",
     "MalformedQueryString", 400),
    ({"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=ListTopics&Version=2010-03-31&NextToken.member.x=1", "InvalidParameter", 400),
    ({}, b"", "UnknownOperationException", 404),
]


@pytest.mark.parametrize("headers,body,code,status", RAW_CASES, ids=[c[2] + str(i) for i, c in enumerate(RAW_CASES)])
def test_malformed_requests(server, headers, body, code, status):
    r = httpx.post(server.url + "/", headers=headers, content=body, timeout=10)
    assert r.status_code == status
    assert r.status_code != 500
    assert code in r.text or r.headers.get("x-amzn-errortype") == code
    assert "Traceback" not in r.text
    assert r.headers.get("x-amzn-requestid")


def test_sqs_json_error_carries_legacy_code_header(server):
    r = httpx.post(server.url + "/", headers={"X-Amz-Target": "AmazonSQS.GetQueueUrl",
                                               "Content-Type": "application/x-amz-json-1.0"},
                   content=b"{}", timeout=10)
    assert r.status_code == 400
    assert r.headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert r.json()["__type"] == "com.amazonaws.sqs#MissingRequiredParameterException"
