"""Delivery to API destinations, through boto3 against a real server on both backends, with
a real local HTTP server as the destination.

Facts (AWS user guide, "API destinations"): 401, 407, 409, 429 and 5xx are retried, other
4xx are not; every request carries ``User-Agent: Amazon/EventBridge/ApiDestinations`` and
``Content-Type: application/json; charset=utf-8``; target HttpParameters are merged with
the connection's InvocationHttpParameters, the connection's values taking precedence
(API reference, HttpParameters); OAuth tokens are refreshed after a 401 or 407
("Authorization methods for connections"). Retry backoff is made short with
``EVENTYARD_EVENTS_RETRY_BASE_MS``.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
import uuid
from typing import Any, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from _clients import client
from _http_endpoint import Answer, Endpoint, Seen
from _waiting import PATIENCE, wait_until
from eventyard.services.events._http import build_request, retry_after_ms
from eventyard.runtime.http import Pacer
from eventyard.store.api_destinations import ApiDestinationRecord
from eventyard.store.connections import ConnectionRecord

API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-123"}}


@pytest.fixture(scope="module")
def server(make_server):
    return make_server(env={"EVENTYARD_EVENTS_RETRY_BASE_MS": "50"})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.close()


class Setup:
    def __init__(self, server: Any, endpoint: Endpoint) -> None:
        self.account = str(uuid.uuid4().int)[:12].rjust(12, "1")
        self.ev = client("events", server.url, account=self.account)
        self.sqs = client("sqs", server.url, account=self.account)
        self.endpoint = endpoint
        self.path = f"/{uuid.uuid4().hex}"  # this test's own path on the shared endpoint server

    def connection(self, auth_type: str = "API_KEY", auth: dict[str, Any] | None = None) -> str:
        return str(self.ev.create_connection(Name=f"c{uuid.uuid4().hex[:8]}", AuthorizationType=auth_type,
                                             AuthParameters=auth or API_KEY)["ConnectionArn"])

    def destination(self, connection: str, *, endpoint: str | None = None, method: str = "POST") -> str:
        return str(self.ev.create_api_destination(
            Name=f"d{uuid.uuid4().hex[:8]}", ConnectionArn=connection, HttpMethod=method,
            InvocationEndpoint=endpoint or self.endpoint.url + self.path)["ApiDestinationArn"])

    def dlq(self) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName="dlq")["QueueUrl"]
        return url, f"arn:aws:sqs:us-east-1:{self.account}:dlq"

    def route(self, destination: str, **target: Any) -> str:
        rule = self.ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
        self.ev.put_targets(Rule="r", Targets=[{"Id": "api", "Arn": destination,
                                                "RoleArn": f"arn:aws:iam::{self.account}:role/invoke", **target}])
        return str(rule)

    def put(self, detail: dict[str, Any] | None = None) -> str:
        out = self.ev.put_events(Entries=[{"Source": "shop", "DetailType": "Order Placed",
                                           "Detail": json.dumps(detail or {"order": "o-1"})}])
        assert out["FailedEntryCount"] == 0
        return str(out["Entries"][0]["EventId"])

    def dead_letters(self, url: str, wait: float = PATIENCE) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           MessageAttributeNames=["All"]).get("Messages", [])
            if got:
                return list(got)
        return []


def _attributes(message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}


def _invocations(server: Any, rule_arn: str) -> float:
    """The rule's successful target invocations, as the server's ``/metrics`` counts them."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "eventyard_events_invocations_total" and sample.labels.get("rule") == rule_arn:
                return sample.value
    return 0.0


# -- the request -------------------------------------------------------------------------
def test_api_key_request_carries_the_event_and_awss_headers(server, endpoint):
    t = Setup(server, endpoint)
    t.route(t.destination(t.connection()))
    event_id = t.put({"order": "o-1"})
    seen = t.endpoint.wait_for(t.path, 1)
    assert len(seen) == 1
    request = seen[0]
    assert request.method == "POST"
    assert request.headers["x-api-key"] == "key-123"
    assert request.headers["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    body = request.json()
    assert body["id"] == event_id and body["detail"] == {"order": "o-1"} and body["source"] == "shop"


def test_basic_auth_header(server, endpoint):
    t = Setup(server, endpoint)
    t.route(t.destination(t.connection("BASIC", {"BasicAuthParameters": {"Username": "alice", "Password": "pw"}})))
    t.put()
    seen = t.endpoint.wait_for(t.path, 1)
    assert [r.headers["authorization"] for r in seen] == ["Basic YWxpY2U6cHc="]  # alice:pw


def test_http_parameters_merge_with_the_connection_s_and_the_input_is_transformed(server, endpoint):
    t = Setup(server, endpoint)
    connection = t.connection("API_KEY", {**API_KEY, "InvocationHttpParameters": {
        "HeaderParameters": [{"Key": "X-Shared", "Value": "from-connection", "IsValueSecret": True}],
        "QueryStringParameters": [{"Key": "shared", "Value": "from-connection", "IsValueSecret": False}],
        "BodyParameters": [{"Key": "tenant", "Value": "t-9", "IsValueSecret": True}]}})
    destination = t.destination(connection, endpoint=t.endpoint.url + t.path + "/orders/*/items/*?fixed=1",
                                method="PUT")
    t.route(destination, InputTransformer={"InputPathsMap": {"id": "$.detail.order"},
                                           "InputTemplate": '{"order": <id>}'},
            HttpParameters={"PathParameterValues": ["o-7", "$.detail.item"],
                            "HeaderParameters": {"X-Shared": "from-target", "X-Target": "t"},
                            "QueryStringParameters": {"shared": "from-target", "page": "2"}})
    t.put({"order": "o-7", "item": "i-3"})
    path = t.path + "/orders/o-7/items/i-3"
    seen = t.endpoint.wait_for(path, 1)
    assert len(seen) == 1
    request = seen[0]
    assert request.method == "PUT"
    assert request.query == {"fixed": "1", "shared": "from-connection", "page": "2"}
    assert request.headers["x-shared"] == "from-connection" and request.headers["x-target"] == "t"
    assert request.json() == {"order": "o-7", "tenant": "t-9"}


def test_oauth_token_is_fetched_cached_and_refreshed_after_a_401(server, endpoint):
    t = Setup(server, endpoint)
    tokens = iter(["tok-1", "tok-2", "tok-3"])
    token_path = t.path + "/token"
    t.endpoint.handle(token_path, lambda seen: Answer(200, json.dumps(
        {"access_token": next(tokens), "token_type": "Bearer", "expires_in": 3600}).encode()))
    accepted: list[str] = []

    def api(seen: Seen) -> Answer:  # tok-1 works once, then is "expired"
        bearer = seen.headers.get("authorization", "")
        if bearer == "Bearer tok-1" and not accepted:
            accepted.append(bearer)
            return Answer(200)
        if bearer == "Bearer tok-2":
            accepted.append(bearer)
            return Answer(200)
        return Answer(401)

    t.endpoint.handle(t.path, api)
    connection = t.connection("OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
        "AuthorizationEndpoint": t.endpoint.url + token_path, "HttpMethod": "POST",
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}],
                                "HeaderParameters": [{"Key": "X-Tenant", "Value": "acme"}]}}})
    t.route(t.destination(connection), RetryPolicy={"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60})
    t.put()
    assert len(t.endpoint.wait_for(t.path, 1)) == 1 and accepted == ["Bearer tok-1"]
    fetches = t.endpoint.seen(token_path)
    assert len(fetches) == 1  # the background authorization and the delivery share one token
    assert fetches[0].headers["authorization"] == "Basic aWQ6c2VjcmV0"  # id:secret
    assert fetches[0].headers["x-tenant"] == "acme"
    assert fetches[0].body == b"grant_type=client_credentials"
    assert t.ev.describe_connection(Name=connection.split("/")[1])["ConnectionState"] == "AUTHORIZED"

    t.put()  # tok-1 is refused now: the 401 drops it, the retry fetches tok-2
    seen = t.endpoint.wait_for(t.path, 3)
    assert [r.headers["authorization"] for r in seen] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert accepted == ["Bearer tok-1", "Bearer tok-2"]
    assert len(t.endpoint.seen(token_path)) == 2


# -- retries and dead letters ------------------------------------------------------------
def test_5xx_is_retried_until_the_endpoint_recovers(server, endpoint):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, 500, 503, 200)
    dlq_url, dlq_arn = t.dlq()
    rule = t.route(t.destination(t.connection()), DeadLetterConfig={"Arn": dlq_arn},
                   RetryPolicy={"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 60})
    event_id = t.put()
    seen = t.endpoint.wait_for(t.path, 3)
    assert len(seen) == 3
    assert {r.json()["id"] for r in seen} == {event_id}
    # once the server has counted the delivery as done, nothing was dead-lettered and no
    # further attempt came after the 200
    wait_until(lambda: _invocations(server, rule) == 1, what="the delivery counted as an invocation")
    assert t.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0).get("Messages", []) == []
    assert len(t.endpoint.seen(t.path)) == 3


@pytest.mark.parametrize("status", [500, 429, 409])
def test_a_failing_endpoint_exhausts_the_retry_policy_into_the_dead_letter_queue(server, endpoint, status):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, status)
    dlq_url, dlq_arn = t.dlq()
    destination = t.destination(t.connection())
    rule = t.route(destination, DeadLetterConfig={"Arn": dlq_arn},
                   RetryPolicy={"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60})
    event_id = t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    assert json.loads(got[0]["Body"])["id"] == event_id
    attributes = _attributes(got[0])
    assert attributes["RULE_ARN"] == rule and attributes["TARGET_ARN"] == destination
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["ERROR_CODE"] == "SDK_CLIENT_ERROR"
    assert attributes["ERROR_MESSAGE"] == (
        f"Unable to invoke ApiDestination endpoint: The endpoint answered with HTTP status {status}.")
    assert len(t.endpoint.seen(t.path)) == 3  # the first attempt and two retries


@pytest.mark.parametrize("status", [400, 404, 403])
def test_other_4xx_go_to_the_dead_letter_queue_without_retries(server, endpoint, status):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, status)
    dlq_url, dlq_arn = t.dlq()
    t.route(t.destination(t.connection()), DeadLetterConfig={"Arn": dlq_arn},
            RetryPolicy={"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 60})
    t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    attributes = _attributes(got[0])
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes
    assert str(status) in attributes["ERROR_MESSAGE"]
    assert len(t.endpoint.seen(t.path)) == 1


def test_an_unreachable_endpoint_is_retried_then_dead_lettered(server, endpoint):
    t = Setup(server, endpoint)
    dlq_url, dlq_arn = t.dlq()
    t.route(t.destination(t.connection(), endpoint="http://127.0.0.1:9/nothing-listens"),
            DeadLetterConfig={"Arn": dlq_arn}, RetryPolicy={"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60})
    t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    attributes = _attributes(got[0])
    assert attributes["ERROR_CODE"] == "SDK_CLIENT_ERROR"
    assert attributes["ERROR_MESSAGE"] == "Unable to invoke ApiDestination endpoint: API destination endpoint cannot be reached."
    assert attributes["RETRY_ATTEMPTS"] == "1"


def test_a_deauthorized_connection_dead_letters_without_calling(server, endpoint):
    t = Setup(server, endpoint)
    dlq_url, dlq_arn = t.dlq()
    connection = t.connection()
    t.route(t.destination(connection), DeadLetterConfig={"Arn": dlq_arn})
    t.ev.deauthorize_connection(Name=connection.split("/")[1])
    t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    assert _attributes(got[0])["RETRY_ATTEMPTS"] == "0"
    assert t.endpoint.seen(t.path) == []


def test_a_negative_retry_after_stops_retries(server, endpoint):
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(503, headers={"Retry-After": "-1"}))
    dlq_url, dlq_arn = t.dlq()
    t.route(t.destination(t.connection()), DeadLetterConfig={"Arn": dlq_arn},
            RetryPolicy={"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 60})
    t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    assert _attributes(got[0])["RETRY_ATTEMPTS"] == "0"
    assert len(t.endpoint.seen(t.path)) == 1


def test_a_retry_after_beyond_the_event_age_ends_the_retries(server, endpoint):
    # the next attempt waits for the longer of the backoff and Retry-After: here past the
    # 60 s MaximumEventAgeInSeconds, so the event is dead-lettered at once
    t = Setup(server, endpoint)
    t.endpoint.script(t.path, Answer(429, headers={"Retry-After": "120"}))
    dlq_url, dlq_arn = t.dlq()
    t.route(t.destination(t.connection()), DeadLetterConfig={"Arn": dlq_arn},
            RetryPolicy={"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 60})
    t.put()
    got = t.dead_letters(dlq_url)
    assert len(got) == 1
    attributes = _attributes(got[0])
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert len(t.endpoint.seen(t.path)) == 1


def test_an_endpoint_slower_than_5_seconds_times_out(server, endpoint):
    t = Setup(server, endpoint)
    answered = threading.Event()

    def slow(seen: Seen) -> Answer:
        answered.wait(PATIENCE)  # no answer before the test has its dead letter
        return Answer(200)

    t.endpoint.handle(t.path, slow)
    dlq_url, dlq_arn = t.dlq()
    t.route(t.destination(t.connection()), DeadLetterConfig={"Arn": dlq_arn},
            RetryPolicy={"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60})
    t.put()
    try:
        got = t.dead_letters(dlq_url)
    finally:
        answered.set()
    assert len(got) == 1
    attributes = _attributes(got[0])
    assert attributes["ERROR_CODE"] == "UNKNOWN"
    assert attributes["ERROR_MESSAGE"] == "Unable to invoke ApiDestination endpoint: Timeout calling endpoint for API Destination."
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"


def test_a_rate_limited_destination_still_gets_every_event(server, endpoint):
    t = Setup(server, endpoint)
    connection = t.connection()
    destination = t.ev.create_api_destination(
        Name="slow", ConnectionArn=connection, HttpMethod="POST", InvocationEndpoint=t.endpoint.url + t.path,
        InvocationRateLimitPerSecond=2)["ApiDestinationArn"]
    t.route(destination)
    ids = {t.put({"n": n}) for n in range(4)}
    seen = t.endpoint.wait_for(t.path, 4)
    assert {r.json()["id"] for r in seen} == ids


# -- pure parts --------------------------------------------------------------------------
def test_retry_after_reads_seconds_and_dates():
    now = 1_700_000_000.0
    assert retry_after_ms("7", now) == 7000
    assert retry_after_ms("-1", now) == -1000
    assert retry_after_ms(format_datetime(datetime.fromtimestamp(now + 30, timezone.utc), usegmt=True), now) == 30000
    assert retry_after_ms(None, now) is None and retry_after_ms("soon", now) is None


def test_pacer_spaces_calls_per_destination_and_refuses_long_waits():
    now = [100.0]
    pacer = Pacer(max_wait=1.0, clock=lambda: now[0])
    waits = [pacer.reserve("a", 4) for _ in range(5)]
    assert waits == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert pacer.reserve("a", 4) is None  # would wait 1.25 s
    assert pacer.reserve("b", 4) == 0.0  # destinations do not share slots
    now[0] += 2.0
    assert pacer.reserve("a", 4) == 0.0


def test_build_request_merges_parameters_with_connection_precedence():
    connection = ConnectionRecord("1", "r", "c", "arn:c", None, "API_KEY", "AUTHORIZED", None, {
        **API_KEY, "InvocationHttpParameters": {
            "HeaderParameters": [{"Key": "content-type", "Value": "text/plain"},
                                 {"Key": "Content-Length", "Value": "5"}, {"Key": "Host", "Value": "elsewhere"}],
            "QueryStringParameters": [{"Key": "a", "Value": "conn"}],
            "BodyParameters": [{"Key": "extra", "Value": "x"}]}}, None, None, None, 0.0, 0.0, 0.0)
    destination = ApiDestinationRecord("1", "r", "d", "arn:d", None, "arn:c", "https://h/p/*?a=endpoint&b=1", "GET",
                                       300, 0.0, 0.0)
    method, url, headers, content = build_request(
        destination, connection, {"PathParameterValues": ["$.detail.id"], "QueryStringParameters": {"a": "target"},
                                  "HeaderParameters": {"User-Agent": "mine"}},
        {"detail": {"id": 42}}, '{"k": 1}')
    assert method == "GET" and content is None  # no body on GET
    assert url == "https://h/p/42?b=1&a=conn"
    assert headers == {"content-type": "text/plain"}
    _, _, _, content = build_request(
        ApiDestinationRecord("1", "r", "d", "arn:d", None, "arn:c", "https://h/", "POST", 300, 0.0, 0.0),
        connection, None, {}, '{"k": 1}')
    assert json.loads(content or b"") == {"k": 1, "extra": "x"}
    _, _, _, content = build_request(
        ApiDestinationRecord("1", "r", "d", "arn:d", None, "arn:c", "https://h/", "POST", 300, 0.0, 0.0),
        connection, None, {}, '"just a string"')
    assert content == b'"just a string"'
