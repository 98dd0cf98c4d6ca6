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
    # null is no way to leave out a list item or a map value (the fuzzer found a 500 here)
    ({"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"},
     b'{"QueueName":"nulls","Attributes":{"VisibilityTimeout":null}}', "SerializationException", 400),
    ({"X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1"},
     b'{"Entries":[null]}', "SerializationException", 400),
    # found by the fuzzer: a queue URL that urlsplit refuses; a lookup by a name holding
    # U+0000 (PostgreSQL refuses such text where SQLite finds nothing)
    ({"X-Amz-Target": "AmazonSQS.GetQueueAttributes", "Content-Type": "application/x-amz-json-1.0"},
     b'{"QueueUrl":"http://[x/1/q"}', "InvalidAddress", 404),
    ({"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=ListEndpointsByPlatformApplication&Version=2010-03-31"
     b"&PlatformApplicationArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aapp%2FGCM%2Fx%00", "NotFound", 404),
    ({"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=DeleteEndpoint&Version=2010-03-31&EndpointArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Ax%00",
     "DeleteEndpointResponse", 200),
    # query keys with empty parts (the fuzzer found a 500 here)
    ({"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=CreateTopic&Version=2010-03-31&Name..=y", "InvalidParameter", 400),
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


# -- JSON inside parameters, nested past what AWS parses --------------------------------
# AWS documents 1000 levels for PutEvents ("will only process nested JSON up to 1000 levels
# deep"), the default of Jackson, which its Java services parse with. eventyard applies
# the same limit to every JSON text a parameter carries (core.jsondoc).
LIMIT = 1000


def nested_object(levels: int, leaf: str = '"x"') -> str:
    return '{"a":' * levels + leaf + "}" * levels


def nested_array(levels: int) -> str:
    return "[" * levels + '"x"' + "]" * levels


def _queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _drain(sqs, url: str, count: int) -> list[str]:
    """Bodies of ``count`` messages, polled with a generous deadline (never a fixed sleep)."""
    import time

    bodies: list[str] = []
    deadline = time.monotonic() + 30
    while len(bodies) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_put_events_detail_nested_past_the_limit_fails_only_its_entry(server):
    import orjson as json  # the stdlib's parser recurses and stops short of 1000 levels

    account = "555555555501"
    ev = client("events", server.url, account=account, raw=True)
    sqs = client("sqs", server.url, account=account, raw=True)
    url, arn = _queue(sqs, "deep")
    ev.create_archive(ArchiveName="all", EventSourceArn=f"arn:aws:events:us-east-1:{account}:event-bus/default")
    ev.put_rule(Name="r", EventPattern='{"source":["deep.test"]}')
    ev.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": arn}])
    entries = [
        {"Source": "deep.test", "DetailType": "t", "Detail": nested_object(LIMIT)},
        {"Source": "deep.test", "DetailType": "t", "Detail": nested_object(LIMIT + 1)},
        {"Source": "deep.test", "DetailType": "t", "Detail": nested_object(5000)},
        {"Source": "deep.test", "DetailType": "t", "Detail": '{"ok":true}'},
    ]
    result = ev.put_events(Entries=entries)
    assert result["FailedEntryCount"] == 2
    assert [e.get("ErrorCode") for e in result["Entries"]] == [None, "MalformedDetail", "MalformedDetail", None]
    assert result["Entries"][1]["ErrorMessage"] == "Detail is malformed."
    # the accepted ones are archived and delivered, the deep one whole
    assert ev.describe_archive(ArchiveName="all")["EventCount"] == 2
    bodies = sorted(_drain(sqs, url, 2), key=len)
    assert json.loads(bodies[0])["detail"] == {"ok": True}
    assert bodies[1].endswith('"detail":%s}' % nested_object(LIMIT))


def test_test_event_pattern_with_a_deep_event(server):
    ev = client("events", server.url, account="555555555502", raw=True)
    envelope = ('{"id":"1","account":"555555555502","source":"s","time":"2024-01-01T00:00:00Z",'
                '"region":"us-east-1","resources":[],"detail-type":"t","detail":%s}')
    pattern = '{"source":["s"]}'
    assert ev.test_event_pattern(EventPattern=pattern, Event=envelope % nested_object(LIMIT - 1))["Result"] is True
    for levels in (LIMIT, 5000):
        with pytest.raises(ClientError) as exc:
            ev.test_event_pattern(EventPattern=pattern, Event=envelope % nested_object(levels))
        assert exc.value.response["Error"]["Code"] == "ValidationException"
        assert exc.value.response["Error"]["Message"] == "Parameter Event is not valid."


def test_put_events_time_out_of_range_is_refused(server):
    headers = {"X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1",
               "Authorization": "AWS4-HMAC-SHA256 Credential=555555555503/20240101/us-east-1/events/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    for moment in ("253402300800", "1e300", "-1e18"):  # year 10000, far past it, before year 1
        body = '{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Time":%s}]}' % moment
        r = httpx.post(server.url + "/", headers=headers, content=body, timeout=10)
        assert r.status_code == 400, r.text
        assert r.json() == {"__type": "SerializationException",
                            "message": "Value at 'entries.1.member.time' must be a timestamp."}


def test_sns_publish_with_deep_json_is_refused_and_blocks_no_one(server):
    import json

    account = "555555555504"
    sns = client("sns", server.url, account=account, raw=True)
    sqs = client("sqs", server.url, account=account, raw=True)
    topic = sns.create_topic(Name="deep")["TopicArn"]
    body_url, body_arn = _queue(sqs, "by-body")
    attr_url, attr_arn = _queue(sqs, "by-attribute")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=body_arn, ReturnSubscriptionArn=True,
                  Attributes={"FilterPolicyScope": "MessageBody", "FilterPolicy": '{"kind":["wanted"]}',
                              "RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attr_arn, ReturnSubscriptionArn=True,
                  Attributes={"FilterPolicy": '{"tags":["wanted"]}', "RawMessageDelivery": "true"})

    def refused(code: str, text: str, **params):
        with pytest.raises(ClientError) as exc:
            sns.publish(TopicArn=topic, **params)
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert exc.value.response["Error"]["Code"] == code
        assert text in exc.value.response["Error"]["Message"]

    deep_structure = '{"default":"d","sqs":%s}' % nested_object(LIMIT)  # 1001 levels in all
    refused("InvalidParameter", "Message Structure - JSON message body failed to parse",
            Message=deep_structure, MessageStructure="json")
    refused("ParameterValueInvalid", "with type 'String.Array' has to be an array",
            Message="m", MessageAttributes={"tags": {"DataType": "String.Array", "StringValue": nested_array(LIMIT + 1)}})
    # within the limit: accepted
    sns.publish(TopicArn=topic, Message='{"default":"d","sqs":%s}' % nested_object(LIMIT - 1), MessageStructure="json")
    sns.publish(TopicArn=topic, Message="m",
                MessageAttributes={"tags": {"DataType": "String.Array", "StringValue": nested_array(LIMIT)}})
    # deep bodies are valid messages that match no body policy, and block nobody after them
    for levels in (LIMIT, LIMIT + 1, 5000):
        sns.publish(TopicArn=topic, Message=nested_object(levels))
    sns.publish(TopicArn=topic, Message='{"kind":"wanted"}')
    sns.publish(TopicArn=topic, Message="tagged",
                MessageAttributes={"tags": {"DataType": "String.Array", "StringValue": '["wanted"]'}})
    assert [json.loads(b) for b in _drain(sqs, body_url, 1)] == [{"kind": "wanted"}]
    assert _drain(sqs, attr_url, 1) == ["tagged"]


# -- the query protocol reads exactly what was sent ---------------------------------------
QUERY = {"Content-Type": "application/x-www-form-urlencoded"}


def test_query_refuses_invalid_utf8_rather_than_replacing_it(server):
    account = "555555555505"
    sns = client("sns", server.url, account=account, raw=True)
    signed = {**QUERY, "Authorization": f"AWS4-HMAC-SHA256 Credential={account}/20240101/us-east-1/sns/aws4_request, "
                                        "SignedHeaders=host, Signature=0"}
    for body, query in ((b"Action=CreateTopic&Version=2010-03-31&Name=bad%FF%FEname", ""),
                        (b"", "Action=CreateTopic&Version=2010-03-31&Name=bad%C3name")):
        r = httpx.post(server.url + "/" + ("?" + query if query else ""), headers=signed, content=body, timeout=10)
        assert r.status_code == 400, r.text
        assert "<Code>MalformedQueryString</Code>" in r.text
    assert sns.list_topics()["Topics"] == []  # nothing made under a mangled name
    # the JSON protocol refuses the same bytes
    r = httpx.post(server.url + "/", headers={"X-Amz-Target": "AWSEvents.CreateEventBus",
                                              "Content-Type": "application/x-amz-json-1.1"},
                   content=b'{"Name":"bad\xff\xfename"}', timeout=10)
    assert r.status_code == 400 and r.json()["__type"] == "SerializationException"


@pytest.mark.parametrize("number", ["\u0663", "1_0", "\uff11", "inf", "0x10"])
def test_query_numbers_are_ascii_digits(server, number):
    from urllib.parse import quote

    account = "555555555506"
    sqs = client("sqs", server.url, account=account, raw=True)
    url = sqs.create_queue(QueueName="digits")["QueueUrl"]
    body = f"Action=ReceiveMessage&Version=2012-11-05&QueueUrl={quote(url, safe='')}&MaxNumberOfMessages={quote(number)}"
    r = httpx.post(server.url + "/", headers=QUERY, content=body.encode(), timeout=10)
    assert r.status_code == 400, r.text
    assert "<Code>InvalidParameterValue</Code>" in r.text
    assert "MaxNumberOfMessages" in r.text


# -- errors before the service is known, in the protocol the client speaks ---------------
def _parsed_by_botocore(protocol: str, response: httpx.Response) -> dict:
    """The error as botocore's own parser of ``protocol`` reads it."""
    from botocore.awsrequest import HeadersDict
    from botocore.parsers import create_parser

    headers = HeadersDict()
    for name, value in response.headers.items():
        headers[name] = value
    parsed = create_parser(protocol).parse(
        {"status_code": response.status_code, "headers": headers, "body": response.content}, None)
    return parsed["Error"]


def test_body_over_the_limit_is_refused_in_the_clients_protocol(server):
    big = b"x" * (8 * 1024 * 1024 + 1)
    r = httpx.post(server.url + "/", headers=QUERY, content=b"Action=Publish&Version=2010-03-31&Message=" + big,
                   timeout=60)
    assert r.status_code == 413
    assert _parsed_by_botocore("query", r)["Code"] == "RequestEntityTooLargeException"
    r = httpx.post(server.url + "/", headers={"X-Amz-Target": "AWSEvents.PutEvents",
                                              "Content-Type": "application/x-amz-json-1.1"}, content=big, timeout=60)
    assert r.status_code == 413
    error = _parsed_by_botocore("json", r)
    assert error["Code"] == "RequestEntityTooLargeException"
    assert "8388608 bytes" in error["Message"]


# botocore signs for each; eventyard serves none of these
UNKNOWN_SERVICES = [
    ("sts", "get_federation_token", {"Name": "someone"}),  # query (an STS operation not served)
    ("iam", "list_open_id_connect_providers", {}),  # query, a known service, an operation not served
    ("ec2", "describe_instances", {}),  # ec2
    ("s3", "list_buckets", {}),  # rest-xml
    ("route53", "list_hosted_zones", {}),  # rest-xml
    ("dynamodb", "list_tables", {}),  # json
    ("lambda", "list_code_signing_configs", {}),  # rest-json, an operation not served
    ("events", "list_endpoints", {}),  # a known service, an operation not served
]


@pytest.mark.parametrize("service,operation,params", UNKNOWN_SERVICES, ids=[s[0] + "-" + s[1] for s in UNKNOWN_SERVICES])
def test_unknown_service_or_operation_answers_in_the_clients_protocol(server, service, operation, params):
    c = client(service, server.url, account=ACCOUNT, raw=True)
    with pytest.raises(ClientError) as exc:  # not a ResponseParserError: botocore read the body
        getattr(c, operation)(**params)
    error = exc.value.response["Error"]
    assert error["Code"] in ("InvalidAction", "UnknownOperationException", "NotImplemented"), error
    assert error["Message"]
    assert 400 <= exc.value.response["ResponseMetadata"]["HTTPStatusCode"] < 600
    headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    protocol = c.meta.service_model.protocol
    if protocol in ("query", "ec2", "rest-xml"):
        assert headers["content-type"].startswith("text/xml")  # botocore can be lenient; the CLI is not
    elif protocol == "json":
        assert headers["content-type"].startswith("application/x-amz-json-1.")
    else:
        assert headers["x-amzn-errortype"] == error["Code"]


def test_unknown_query_action_without_a_signature_gets_xml(server):
    r = httpx.post(server.url + "/", headers=QUERY, content=b"Action=DescribeDomains&Version=2013-01-01", timeout=10)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/xml")
    assert _parsed_by_botocore("query", r)["Code"] == "InvalidAction"
    r = httpx.get(server.url + "/2020-04-22/code-signing-configs/", timeout=10)  # Lambda's rest-json path, unsigned
    assert r.headers["x-amzn-errortype"] == "NotImplemented"  # a known operation not served yet
    assert _parsed_by_botocore("rest-json", r)["Code"] == "NotImplemented"
    r = httpx.get(server.url + "/2099-01-01/nothing/", timeout=10)  # no service's path
    assert r.headers["x-amzn-errortype"] == "UnknownOperationException"
    assert _parsed_by_botocore("rest-json", r)["Code"] == "UnknownOperationException"


def test_rules_match_inside_arrays_nested_to_the_limit(server):
    account = "555555555507"
    ev = client("events", server.url, account=account, raw=True)
    sqs = client("sqs", server.url, account=account, raw=True)
    url, arn = _queue(sqs, "crushed")
    ev.put_rule(Name="r", EventPattern='{"detail":{"a":["x"]}}')
    ev.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$.detail.a"}])
    detail = '{"a":%s}' % nested_array(LIMIT - 1)  # arrays are crushed into their path: "x" is at detail.a
    assert ev.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": detail}])["FailedEntryCount"] == 0
    assert _drain(sqs, url, 1) == [nested_array(LIMIT - 1)]


def test_policies_nested_past_the_limit_are_refused(server):
    account = "555555555508"
    sns = client("sns", server.url, account=account, raw=True)
    ev = client("events", server.url, account=account, raw=True)
    topic = sns.create_topic(Name="policies")["TopicArn"]
    deep = nested_object(5000)
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy", AttributeValue=deep)
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    with pytest.raises(ClientError) as exc:
        ev.put_permission(Policy=deep)
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert exc.value.response["Error"]["Message"] == "This policy contains invalid Json"


def test_sqs_attribute_numbers_are_ascii_digits(server):
    sqs = client("sqs", server.url, account="555555555509", raw=True)
    url = sqs.create_queue(QueueName="digits")["QueueUrl"]
    for value in ("\u0663\u0660", "\uff13\uff10"):  # 30 in Arabic-Indic and in full-width digits
        with pytest.raises(ClientError) as exc:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": value})
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "VisibilityTimeout" in exc.value.response["Error"]["Message"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "30"


def test_event_bus_policies_with_extreme_numbers(server):
    """Found by the fuzzer: a policy holding 1e400 was stored, and RemovePermission then
    answered 500 reading it back; integers past 64 bits must survive the round trip."""
    ev = client("events", server.url, account="555555555510", raw=True)
    statement = ('{"Sid":"s","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},'
                 '"Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:555555555510:event-bus/default"%s}')
    with pytest.raises(ClientError) as exc:
        ev.put_permission(Policy='{"Version":"2012-10-17","Statement":[%s]}' % (statement % ',"X":1e400'))
    assert exc.value.response["Error"]["Message"] == "This policy contains invalid Json"
    ev.put_permission(Policy='{"Version":"2012-10-17","Statement":[%s]}' % (statement % ',"X":18446744073709551616'))
    ev.remove_permission(StatementId="s")
    assert "Policy" not in ev.describe_event_bus()
