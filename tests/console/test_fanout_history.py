"""The fan-out history (``--event-history N``): a published message's fan-out per
subscription (delivered, filtered out by the named part of the filter policy, failed
with its error) and an event's delivery attempts with their errors and dead-letter
outcome, shown by the console's pages of a real server (both backends)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from _clients import client
from _console import ConsoleClient
from _waiting import wait_until


@pytest.fixture(scope="module")
def keeping(make_server: Any) -> Any:
    return make_server(extra_args=["--event-history", "5"])


@pytest.fixture
def web(keeping: Any) -> Iterator[ConsoleClient]:
    browser = ConsoleClient(keeping.url)
    yield browser
    browser.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_published_messages_fan_out_delivered_filtered_and_failed(keeping: Any, web: ConsoleClient) -> None:
    sns, sqs = client("sns", keeping.url), client("sqs", keeping.url)
    topic = unique("fan")
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    queues = {}
    for name in ("all", "eu"):
        url = sqs.create_queue(QueueName=unique(name))["QueueUrl"]
        queues[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queues["all"])
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queues["eu"],
                  Attributes={"FilterPolicy": json.dumps({"region": ["eu-west-1"], "kind": ["order"]})})
    missing = "arn:aws:lambda:us-east-1:000000000000:function:" + unique("gone")
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=missing)
    message_id = sns.publish(TopicArn=topic_arn, Message="<b>hello</b>", MessageAttributes={
        "region": {"DataType": "String", "StringValue": "us-east-1"},
        "kind": {"DataType": "String", "StringValue": "order"}})["MessageId"]

    listed = web.get(f"/console/topics/{topic}").text
    assert f"/console/topics/{topic}/messages/{message_id}" in listed
    assert "1 filtered" in listed and "1 delivered" in listed

    def page() -> str:
        return web.get(f"/console/topics/{topic}/messages/{message_id}").text

    # the lambda subscription's failed attempt is written back by the outbox
    wait_until(lambda: 'data-outcome="queued"' not in page(), what="the lambda subscription's first attempt")
    shown = page()
    assert shown.count('data-outcome="delivered"') == 1
    assert 'data-outcome="filtered"' in shown
    assert "filtered out by the policy&#39;s <code>region</code>" in shown or \
        "filtered out by the policy's <code>region</code>" in shown
    assert "&#34;eu-west-1&#34;" in shown and "&#34;us-east-1&#34;" in shown
    failed = re.search(r'data-outcome="(retrying|failed|dead-lettered)"', shown)
    assert failed is not None, shown
    assert "attempt 1" in shown and "&lt;b&gt;hello&lt;/b&gt;" in shown and "<b>hello" not in shown


def test_an_events_delivery_attempts_with_error_and_dead_letter_queue(keeping: Any, web: ConsoleClient) -> None:
    events, sqs = client("events", keeping.url), client("sqs", keeping.url)
    bus = unique("tried")
    events.create_event_bus(Name=bus)
    dlq_url = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    target_queue = sqs.create_queue(QueueName=unique("ok"))["QueueUrl"]
    ok_arn = sqs.get_queue_attributes(QueueUrl=target_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="paid", EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
    missing = "arn:aws:lambda:us-east-1:000000000000:function:" + unique("gone")
    events.put_targets(Rule="paid", EventBusName=bus, Targets=[
        {"Id": "fn", "Arn": missing, "DeadLetterConfig": {"Arn": dlq},
         "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}},
        {"Id": "q", "Arn": ok_arn}])
    events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Order", "Detail": "{}"}])
    tail = web.get(f"/console/buses/{bus}/tail").text
    row = int(re.findall(rf"/console/buses/{bus}/events/(\d+)", tail)[0])

    def page() -> str:
        return web.get(f"/console/buses/{bus}/events/{row}").text

    wait_until(lambda: 'data-outcome="dead-lettered"' in page(), what="the failed target's attempt")
    shown = page()
    assert 'data-outcome="delivered"' in shown  # the queue target, in PutEvents' own commit
    assert "attempt 1" in shown and f"sent to the dead-letter queue <code>{dlq}</code>" in shown
    wait_until(lambda: "Messages" in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1),
               what="the dead letter")


def test_a_queues_live_charts_and_the_home_totals_from_the_index(keeping: Any, web: ConsoleClient) -> None:
    sqs = client("sqs", keeping.url)
    name = unique("charted")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=900)
    page = web.get(f"/console/queues/{name}").text
    assert 'hx-get="/console/queues/' in page and 'class="spark"' in page

    def value(html: str, line: str) -> str:
        found = re.search(rf'data-line="{line}">\s*<div class="value">([^<]*)</div>', html)
        assert found is not None, html
        return found.group(1).strip()

    assert (value(page, "visible"), value(page, "in_flight"), value(page, "delayed")) == ("2", "1", "1")
    assert value(page, "oldest_s").endswith(" s")

    def samples() -> int:
        return int(re.findall(r"(\d+) samples over", web.get(f"/console/queues/{name}/charts").text)[0])

    # each answer of the fragment (htmx asks every 2 s) adds a sample, a second apart at least
    wait_until(lambda: samples() >= 2, what="a second sample")
    listed = web.get("/console/queues", prefix=name).text
    assert re.search(r'<td class="num">2</td>\s*<td class="num">1</td>\s*<td class="num">1</td>', listed), listed
    home = web.get("/console/").text
    assert "messages in flight or delayed" in home


def test_search_finds_every_kind_by_a_part_of_its_name_in_the_store(keeping: Any, web: ConsoleClient) -> None:
    token = uuid.uuid4().hex[:10]
    sqs, sns, events = client("sqs", keeping.url), client("sns", keeping.url), client("events", keeping.url)
    sqs.create_queue(QueueName=f"Orders-{token}-q")
    sns.create_topic(Name=f"orders-{token}-t")
    events.create_event_bus(Name=f"orders-{token}-bus")
    events.put_rule(Name=f"orders-{token}-rule", EventBusName=f"orders-{token}-bus",
                    EventPattern=json.dumps({"source": ["x"]}))
    found = web.get("/console/search", q=f"ORDERS-{token}", go="no").text
    for link in (f"/console/queues/Orders-{token}-q", f"/console/topics/orders-{token}-t",
                 f"/console/buses/orders-{token}-bus", f"/console/buses/orders-{token}-bus/rules/orders-{token}-rule"):
        assert f'href="{link}"' in found, link
    assert f"Orders-{token}-q" not in web.get("/console/search", q=f"{token}%zzz", go="no").text  # % is no wildcard


def test_a_rule_tested_against_the_buss_kept_events_with_its_targets_input_and_next_firing(
        keeping: Any, web: ConsoleClient) -> None:
    events, sqs = client("events", keeping.url), client("sqs", keeping.url)
    bus = unique("ruled")
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=unique("in"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="paid", EventBusName=bus, EventPattern=json.dumps({"detail": {"state": ["paid"]}}))
    events.put_targets(Rule="paid", EventBusName=bus, Targets=[{"Id": "shaped", "Arn": queue_arn, "InputTransformer": {
        "InputPathsMap": {"state": "$.detail.state"}, "InputTemplate": '"order is <state>"'}}])
    for state in ("paid", "new", "new"):
        events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Order",
                                    "Detail": json.dumps({"state": state})}])
    page = web.get(f"/console/buses/{bus}/rules/paid").text
    assert '<strong id="recent-matched">1</strong> of 3 match' in page
    assert "wanted <code>&#34;paid&#34;</code>; the event has <code>&#34;new&#34;</code>" in page
    assert "&#34;order is new&#34;" in page  # the newest kept event through the target's transformer
    tested = web.get(f"/console/buses/{bus}/rules/paid", event=json.dumps(
        {"source": "shop", "detail-type": "Order", "detail": {"state": "paid"}})).text
    assert "&#34;order is paid&#34;" in tested
    events.put_rule(Name="ticking", EventBusName="default", ScheduleExpression="rate(5 minutes)")
    wait_until(lambda: 'id="next-fire"' in web.get("/console/buses/default/rules/ticking").text,
               what="the schedule's next firing")


def test_a_fifo_duplicate_is_kept_once(keeping: Any, web: ConsoleClient) -> None:
    sns, sqs = client("sns", keeping.url), client("sqs", keeping.url)
    topic = unique("dup") + ".fifo"
    topic_arn = sns.create_topic(Name=topic, Attributes={"FifoTopic": "true"})["TopicArn"]
    url = sqs.create_queue(QueueName=unique("dup") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    ids = {sns.publish(TopicArn=topic_arn, Message="once", MessageGroupId="g",
                       MessageDeduplicationId="same")["MessageId"] for _ in range(2)}
    [message_id] = ids
    listed = web.get(f"/console/topics/{topic}").text
    assert listed.count(f"/messages/{message_id}") == 1 and "1 delivered" in listed
