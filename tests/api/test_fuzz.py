"""A fuzzer against a real server: no request, however malformed, gets a 5xx or a dropped
connection.

Requests are drawn two ways, per service and protocol a client may speak:

- valid parameters for an operation (hypothesis over botocore's shapes, in
  ``_shapes_strategies``), serialized by botocore's own serializer, with names that
  often point at resources that exist (so the operations get past "not found");
- the same requests mutated: a value swapped for one of another type or an extreme one
  (deep JSON, huge numbers, dates past year 9999, other scripts' digits, invalid UTF-8),
  members dropped or added, query keys renumbered, bodies truncated or corrupted.

Each run draws ``EVENTYARD_FUZZ_EXAMPLES`` (default 60) requests per service and protocol
and backend, from a fresh random seed, with no example database: CI explores new inputs
on every run, and a failure prints the request and the seed to replay it
(``EVENTYARD_FUZZ_SEED``). Run it long locally with e.g. ``EVENTYARD_FUZZ_EXAMPLES=3000``.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import _shapes_strategies as shapes  # noqa: E402

from _clients import client  # noqa: E402
from eventyard.api import catalog, query_protocol  # noqa: E402
from eventyard.core import jsondoc  # noqa: E402
from eventyard.services.events import service as events_service  # noqa: E402
from eventyard.services.iam import service as iam_service  # noqa: E402
from eventyard.services.logs import service as logs_service  # noqa: E402
from eventyard.services.secretsmanager import service as secretsmanager_service  # noqa: E402
from eventyard.services.sns import service as sns_service  # noqa: E402
from eventyard.services.sqs import service as sqs_service  # noqa: E402
from eventyard.services.stepfunctions import service as stepfunctions_service  # noqa: E402
from eventyard.services.sts import service as sts_service  # noqa: E402

ACCOUNT = "777777777777"
REGION = "us-east-1"
EXAMPLES = int(os.environ.get("EVENTYARD_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))

IMPLEMENTED = {"events": events_service.OPERATIONS, "sqs": sqs_service.OPERATIONS, "sns": sns_service.OPERATIONS,
               "sts": sts_service.OPERATIONS,
               "secretsmanager": secretsmanager_service.OPERATIONS, "logs": logs_service.OPERATIONS,
               "iam": iam_service.OPERATIONS, "stepfunctions": stepfunctions_service.OPERATIONS}
CLIENT_PROTOCOLS = [("events", "json"), ("sqs", "json"), ("sqs", "query"), ("sns", "query"), ("sts", "query"),
                    ("secretsmanager", "json"), ("logs", "json"), ("iam", "query"), ("stepfunctions", "json")]
# members a drawn request keeps as drawn: pointed at a real activity, GetActivityTask
# would long-poll 60 s for a task that never comes
UNPOINTED = {"GetActivityTask": frozenset({"activityArn"})}


def operations(service: str) -> list[str]:
    spec = catalog.service(service)
    return sorted(op for op in spec.operations if op in IMPLEMENTED[service])


# -- values that break things -----------------------------------------------------------
def _deep_text(levels: int) -> str:
    return "[" * levels + "]" * levels


WEIRD_TEXT = st.one_of(
    st.sampled_from([
        "", " ", "\u0663", "\uff11", "1_0", "inf", "-Infinity", "NaN", "1e400", "-1e18", "253402300800",
        "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "0x10", "true", "null", "{}", "[]",
        '{"a":', "\ufffd", "\u0000", "a" * 300, "arn:aws:sqs:us-east-1:777777777777:", "arn:", "::::::",
        "http://127.0.0.1/777777777777/", "../..", "%FF", "\\", '"', "<", "]]>", "😀" * 10,
        _deep_text(1001), _deep_text(5000), '{"a":' * 1200 + "1" + "}" * 1200,
        # JSON texts for the parameters that carry JSON (Detail, Message, policies, patterns)
        '{"a":"x"}', '{"a":[[["x"]]],"b":2}', '{"a":{"b":1}}', '{"a":1e400}', '{"a":-0.0,"b":1e-400}',
        '{"a":18446744073709551616}', '{"a":"\\ud800"}', '{"a":NaN}', '{"a":"x","a":1}', '{"default":"d","sqs":{}}',
        '{"a":' + "[" * 999 + '"x"' + "]" * 999 + "}", '{"k":' + '{"k":' * 998 + "1" + "}" * 999,
    ]),
    st.integers(min_value=1, max_value=1100).map(_deep_text),
    st.text(shapes.TEXT_CHARS, max_size=30),
)

WEIRD_JSON = st.one_of(
    WEIRD_TEXT,
    st.none(), st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e300, -1e300, 253402300800, -1e18, 2**63, -(2**63) - 1, 0.5, -1]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.sampled_from([{"Name": None}, [None], [[]], {"": {}}]),
)

WEIRD_KEY_SUFFIX = st.sampled_from([".0", ".-1", ".1.2", ".member.1", ".entry.1.key", "..", ".999999999999",
                                    ".1", ".x", ".1.Name", ".member.0", ".entry.0"])


# -- the resources requests point at ------------------------------------------------------
class Known:
    """Names and ARNs of resources made before fuzzing, drawn for members of those names."""

    def __init__(self, url: str) -> None:
        sqs = client("sqs", url, account=ACCOUNT)
        sns = client("sns", url, account=ACCOUNT)
        ev = client("events", url, account=ACCOUNT)
        self.queue_url = sqs.create_queue(QueueName="fuzz")["QueueUrl"]
        fifo_url = sqs.create_queue(QueueName="fuzz.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        self.queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:fuzz"
        self.topic_arn = sns.create_topic(Name="fuzz")["TopicArn"]
        sub = sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=self.queue_arn,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        # filter policies and transformers, so that publishes and events are matched and shaped
        for name in ("fuzz-body", "fuzz-attributes"):
            sqs.create_queue(QueueName=name)
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:fuzz-body",
                      ReturnSubscriptionArn=True, Attributes={"FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true",
                                  "FilterPolicy": '{"a":[{"prefix":""}],"b":[{"numeric":[">",0]}]}'})
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:fuzz-attributes",
                      ReturnSubscriptionArn=True, Attributes={"FilterPolicy": '{"k":[{"exists":true}],"n":[{"anything-but":[1]}]}'})
        ev.create_event_bus(Name="fuzz")
        ev.put_rule(Name="fuzz", EventPattern='{"source":[{"prefix":""}]}')
        ev.put_targets(Rule="fuzz", Targets=[
            {"Id": "q", "Arn": self.queue_arn},
            {"Id": "path", "Arn": self.queue_arn, "InputPath": "$.detail.a"},
            {"Id": "shaped", "Arn": self.queue_arn, "InputTransformer": {
                "InputPathsMap": {"a": "$.detail.a", "t": "$.time"}, "InputTemplate": '{"a":<a>,"t":<t>}'}},
            {"Id": "topic", "Arn": self.topic_arn},
        ])
        ev.put_rule(Name="fuzz-wild", EventPattern='{"detail":{"a":[{"wildcard":"*x*"}],"b":[{"exists":false}]}}')
        ev.put_targets(Rule="fuzz-wild", Targets=[{"Id": "q", "Arn": self.queue_arn}])
        ev.create_archive(ArchiveName="fuzz", EventSourceArn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default")
        secret = client("secretsmanager", url, account=ACCOUNT).create_secret(Name="fuzz", SecretString="s")
        iam = client("iam", url, account=ACCOUNT)
        role = iam.create_role(RoleName="fuzz", AssumeRolePolicyDocument=jsondoc.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                   "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.create_user(UserName="fuzz")
        iam.create_group(GroupName="fuzz")
        iam.create_instance_profile(InstanceProfileName="fuzz")
        policy = iam.create_policy(PolicyName="fuzz", PolicyDocument=jsondoc.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
        policy_arn = policy["Policy"]["Arn"]
        sfn = client("stepfunctions", url, account=ACCOUNT)
        definition = jsondoc.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        distributed = jsondoc.dumps({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
        machine = sfn.create_state_machine(name="fuzz", definition=definition, roleArn=role,
                                           publish=True)
        express = sfn.create_state_machine(name="fuzz-express", definition=definition, roleArn=role,
                                           type="EXPRESS")["stateMachineArn"]
        mapper = sfn.create_state_machine(name="fuzz-map", definition=distributed, roleArn=role)["stateMachineArn"]
        alias = sfn.create_state_machine_alias(name="fuzz", routingConfiguration=[
            {"stateMachineVersionArn": machine["stateMachineVersionArn"], "weight": 100}])["stateMachineAliasArn"]
        activity = sfn.create_activity(name="fuzz")["activityArn"]
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="fuzz")["executionArn"]
        mapped = sfn.start_execution(stateMachineArn=mapper, input='{"items":[1,2]}')["executionArn"]
        map_runs: list[str] = []
        for _ in range(200):  # the map run appears once the execution reaches its Map
            map_runs = [r["mapRunArn"] for r in sfn.list_map_runs(executionArn=mapped)["mapRuns"]]
            if map_runs:
                break
            time.sleep(0.05)
        receipt = None
        sqs.send_message(QueueUrl=self.queue_url, MessageBody="m")
        got = sqs.receive_message(QueueUrl=self.queue_url, VisibilityTimeout=0).get("Messages", [])
        if got:
            receipt = got[0]["ReceiptHandle"]
        self.by_member: dict[str, list[Any]] = {
            "QueueUrl": [self.queue_url, fifo_url],
            "QueueName": ["fuzz", "fuzz.fifo"],
            "TopicArn": [self.topic_arn],
            "TargetArn": [self.topic_arn],
            "SubscriptionArn": [sub],
            "ResourceArn": [self.topic_arn, f"arn:aws:events:{REGION}:{ACCOUNT}:rule/fuzz"],
            "ResourceARN": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/fuzz",
                            f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/fuzz"],
            "EventBusName": ["default", "fuzz"],
            "Rule": ["fuzz"],
            "Name": ["fuzz", "default"],
            "ArchiveName": ["fuzz"],
            "Endpoint": [self.queue_arn],
            "Protocol": ["sqs"],
            "ReceiptHandle": [receipt] if receipt else [],
            "SourceArn": [self.queue_arn],
            "EventSourceArn": [f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"],
            "SecretId": ["fuzz", secret["ARN"]],
            "SecretIdList": [["fuzz", secret["ARN"]]],
            "VersionId": [secret["VersionId"]],
            "MoveToVersionId": [secret["VersionId"]],
            "RemoveFromVersionId": [secret["VersionId"]],
            # IAM
            "RoleName": ["fuzz"], "UserName": ["fuzz"], "GroupName": ["fuzz"], "InstanceProfileName": ["fuzz"],
            "PolicyArn": [policy_arn], "PolicyName": ["fuzz"], "RoleArn": [role],
            # Step Functions
            "stateMachineArn": [machine["stateMachineArn"], machine["stateMachineVersionArn"], alias, express,
                                mapper],
            "stateMachineVersionArn": [machine["stateMachineVersionArn"]],
            "stateMachineAliasArn": [alias],
            "activityArn": [activity],
            "executionArn": [execution, mapped],
            "mapRunArn": map_runs,
            "resourceArn": [machine["stateMachineArn"], activity],
            "roleArn": [role],
            "definition": [definition, distributed],
            "name": ["fuzz"],
        }


@pytest.fixture(scope="module")
def known(server: Any) -> Known:
    return Known(server.url)


def _point_at_known(draw: Any, params: dict[str, Any], known: Known, operation: str = "") -> dict[str, Any]:
    for name in list(params):
        if name in UNPOINTED.get(operation, ()):
            continue
        choices = known.by_member.get(name)
        if choices and draw(st.integers(0, 3)) > 0:
            params[name] = draw(st.sampled_from(choices))
    return params


# -- requests ---------------------------------------------------------------------------
def _operation_model(service: str, protocol: str, name: str) -> Any:
    op = catalog.service(service).operations[name]
    return query_protocol.wire_operation(op) if protocol == "query" else op


def _signed_for(service: str) -> str:
    signing = catalog.service(service).signing_name
    return (f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240101/{REGION}/{signing}/aws4_request, "
            "SignedHeaders=host, Signature=0")


@st.composite
def requests(draw: Any, service: str, protocol: str, known: Known) -> tuple[str, dict[str, str], bytes]:
    """(query string, headers, body) of one request, valid or mutated."""
    name = draw(st.sampled_from(operations(service)))
    op = _operation_model(service, protocol, name)
    params = draw(shapes.values(op.input_shape)) if op.input_shape is not None else {}
    params = _point_at_known(draw, params, known, name)
    if "WaitTimeSeconds" in params:
        params["WaitTimeSeconds"] = 0  # a long poll would only wait
    request = shapes.botocore_request(protocol, op, params)
    headers = {k: v for k, v in request.headers if k.lower() not in ("host", "content-length")}
    headers["Authorization"] = _signed_for(service)
    body = request.body
    mutation = draw(st.sampled_from(["none", "value", "value", "drop", "extra", "bytes"]))
    if mutation == "none":
        return request.query, headers, body
    if mutation == "bytes":
        return request.query, headers, draw(_corrupted(body))
    if protocol == "json":
        return request.query, headers, _mutated_json(draw, body, mutation)
    return request.query, headers, _mutated_form(draw, body, mutation)


@st.composite
def _corrupted(draw: Any, body: bytes) -> bytes:
    if not body:
        return draw(st.binary(max_size=20))
    at = draw(st.integers(0, len(body)))
    how = draw(st.sampled_from(["truncate", "insert", "invalid-utf8"]))
    if how == "truncate":
        return body[:at]
    if how == "insert":
        return body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
    return body[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"%FF", b"%C3%28"])) + body[at:]


def _paths(value: Any) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if path:
            found.append(path)
        if isinstance(item, dict):
            stack.extend((v, (*path, k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(item))
    return found


def _mutated_json(draw: Any, body: bytes, mutation: str) -> bytes:
    doc = orjson.loads(body) if body else {}
    paths = _paths(doc)
    if mutation == "extra" or not paths:
        target = doc
        if paths and draw(st.booleans()):
            parent = _at(doc, draw(st.sampled_from(paths)))
            target = parent if isinstance(parent, dict) else doc
        if isinstance(target, dict):
            target[draw(st.sampled_from(["Extra", "", "Name", "Entries", "__type"]))] = draw(WEIRD_JSON)
        return jsondoc.dumps(doc).encode()
    path = draw(st.sampled_from(paths))
    parent = _at(doc, path[:-1])
    if mutation == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(WEIRD_JSON)
    return jsondoc.dumps(doc).encode()


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _mutated_form(draw: Any, body: bytes, mutation: str) -> bytes:
    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    fixed = [p for p in pairs if p[0] in ("Action", "Version")]
    free = [p for p in pairs if p[0] not in ("Action", "Version")]
    if mutation == "drop" and free:
        free.pop(draw(st.integers(0, len(free) - 1)))
    elif mutation == "extra" or not free:
        base = draw(st.sampled_from([k for k, _ in free] or ["Attributes", "Entries", "Tags"]))
        free.append((base.split(".")[0] + draw(WEIRD_KEY_SUFFIX), draw(WEIRD_TEXT)))
    else:
        i = draw(st.integers(0, len(free) - 1))
        key, _ = free[i]
        if draw(st.booleans()):
            free[i] = (key, draw(WEIRD_TEXT))
        else:
            free[i] = (key + draw(WEIRD_KEY_SUFFIX), free[i][1])
    text = "&".join(f"{quote(k, safe='.')}={quote(v, safe='')}" for k, v in fixed + free)
    return text.encode()


# -- the property -------------------------------------------------------------------------
def _shown(query: str, headers: dict[str, str], body: bytes) -> str:
    return f"query={query!r}\nheaders={headers!r}\nbody={body[:600]!r}{'...' if len(body) > 600 else ''}"


@pytest.mark.parametrize("service,protocol", CLIENT_PROTOCOLS, ids=[f"{s}-{p}" for s, p in CLIENT_PROTOCOLS])
def test_no_request_gets_a_5xx_or_a_dropped_connection(server, known, service, protocol):
    with httpx.Client(base_url=server.url, timeout=60) as http:

        @FUZZ
        @given(st.data())
        def one_request(data: st.DataObject) -> None:
            query, headers, body = data.draw(requests(service, protocol, known))
            try:
                r = http.post("/" + ("?" + query if query else ""), headers=headers, content=body)
            except httpx.TransportError as exc:  # the server dropped the connection
                pytest.fail(f"{type(exc).__name__}: {exc}\n{_shown(query, headers, body)}")
            assert r.status_code < 500, f"{r.status_code} {r.text[:500]}\n{_shown(query, headers, body)}"

        if os.environ.get("EVENTYARD_FUZZ_SEED"):
            one_request = seed(int(os.environ["EVENTYARD_FUZZ_SEED"]))(one_request)
        one_request()


# -- the envelope: methods, paths, targets, content types, query strings -----------------
TARGETS = st.one_of(
    st.sampled_from(["AWSEvents.PutEvents", "AmazonSQS.SendMessage", "AWSEvents.", ".PutEvents", "AWSEvents",
                     "AmazonSQS.ReceiveMessage", "DynamoDB_20120810.ListTables", "AWSStepFunctions.ListActivities",
                     "AWSEvents.PutEvents.Extra", "..", "", "\u00e9.x"]),
    st.text(max_size=20),
)
CONTENT_TYPES = st.sampled_from([
    "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "text/plain", "", "multipart/form-data; boundary=x", "application/cbor",
])
PATHS = st.one_of(
    st.sampled_from(["/", "/777777777777/fuzz", "/777777777777/fuzz.fifo", "/queue/fuzz", "//", "/%FF",
                     "/schedules/x", "/v1/pipes/x", "/tags/arn%3Aaws%3Aevents%3Aus-east-1%3A7%3Arule%2Fx",
                     "/2015-03-31/functions/", "/?Action=ListQueues", "/../..", "/a%00b"]),
    st.text(alphabet="/abc%.?&=0123456789", max_size=20).map(lambda p: "/" + p),
)
QUERIES = st.one_of(
    st.just(""),
    st.sampled_from(["Action=ListQueues&Version=2012-11-05", "Action=ListTopics", "Action=", "Action=%FF",
                     "Action=GetQueueUrl&QueueName=fuzz&Version=2012-11-05", "Action=Publish&Message=%C3",
                     "Action=ListQueues&MaxResults=%D9%A3", "Version=2010-03-31&Action=ListTopics&NextToken=%00"]),
    st.text(alphabet="abcAQ=&%.0123456789FE", max_size=40),
)
SIGNING = st.sampled_from([None, "events", "sqs", "sns", "sts", "iam", "lambda", "s3", "states", "scheduler",
                           "pipes", "x/../y", "ec2", "dynamodb", ""])


@st.composite
def envelopes(draw: Any) -> tuple[str, str, dict[str, str], bytes]:
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["X-Amz-Target"] = draw(TARGETS)
    content_type = draw(CONTENT_TYPES)
    if content_type:
        headers["Content-Type"] = content_type
    signing = draw(SIGNING)
    if signing is not None:
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240101/{REGION}/{signing}/aws4_request, "
                                    "SignedHeaders=host, Signature=0")
    body = draw(st.one_of(
        st.just(b""), st.just(b"{}"), st.binary(max_size=40),
        st.sampled_from([b'{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]}', b"[]", b"null",
                         b'{"QueueName":"fuzz"}', b"Action=ListTopics&Version=2010-03-31", b"\xef\xbb\xbf{}",
                         b'{"Name":' + b"[" * 2000 + b"]" * 2000 + b"}"]),
        WEIRD_JSON.map(lambda v: jsondoc.dumps(v).encode()),
    ))
    method = draw(st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]))
    return method, draw(PATHS) + ("?" + q if (q := draw(QUERIES)) else ""), headers, body


def test_no_envelope_gets_a_5xx_or_a_dropped_connection(server, known):
    with httpx.Client(base_url=server.url, timeout=60) as http:

        @FUZZ
        @given(envelopes())
        def one_request(envelope: tuple[str, str, dict[str, str], bytes]) -> None:
            method, target, headers, body = envelope
            shown = f"{method} {target!r}\nheaders={headers!r}\nbody={body[:300]!r}"
            try:
                raw = {k: v.encode("utf-8") for k, v in headers.items()}  # non-ASCII as the bytes a client sends
                r = http.request(method, target, headers=raw, content=body)
            except (httpx.InvalidURL, httpx.LocalProtocolError):
                return  # httpx will not send it; nothing reached the server
            except httpx.TransportError as exc:
                pytest.fail(f"{type(exc).__name__}: {exc}\n{shown}")
            # 501 NotImplemented is the deliberate answer for operations not built yet
            not_built = r.status_code == 501 and (method == "HEAD"  # no body to tell
                                                  or "NotImplemented" in r.text
                                                  or r.headers.get("x-amzn-errortype") == "NotImplemented")
            assert r.status_code < 500 or not_built, f"{r.status_code} {r.text[:500]}\n{shown}"

        if os.environ.get("EVENTYARD_FUZZ_SEED"):
            one_request = seed(int(os.environ["EVENTYARD_FUZZ_SEED"]))(one_request)
        one_request()
