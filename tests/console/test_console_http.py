"""The console over plain HTTP against a real server (both backends): every page answers,
payloads are escaped, every form needs its CSRF token, peek receives nothing, the
why-not-matched explanation, sign-in under --auth sigv4, a function invoked with its
invocations and live log, an archive's events searched and paged."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from _clients import client
from services.functions._functions import zipped
from _console import ConsoleClient
from _waiting import wait_until

ROLE = "arn:aws:iam::000000000000:role/console-test"


@pytest.fixture
def web(server: Any) -> Iterator[ConsoleClient]:
    browser = ConsoleClient(server.url)
    yield browser
    browser.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_the_home_page_of_the_endpoint_links_to_the_console(server: Any, web: ConsoleClient) -> None:
    assert 'href="/console/"' in web.get("/").text
    assert web.get("/console").headers["location"] == "/console/"


def test_every_page_renders(server: Any, web: ConsoleClient) -> None:
    sqs, events, sns = client("sqs", server.url), client("events", server.url), client("sns", server.url)
    sfn = client("stepfunctions", server.url)
    queue, rule, topic, machine = unique("q"), unique("r"), unique("t"), unique("m")
    sqs.create_queue(QueueName=queue)
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["shop"]}))
    sns.create_topic(Name=topic)
    made = sfn.create_state_machine(name=machine, roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}))
    execution = sfn.start_execution(stateMachineArn=made["stateMachineArn"])["executionArn"]
    pages = {
        "/console/": "Home", "/console/queues": queue, f"/console/queues/{queue}": f"Queue {queue}",
        f"/console/queues/{queue}/purge": "cannot be undone", "/console/buses": "default",
        "/console/buses/default": rule, f"/console/buses/default/rules/{rule}": "Pattern tester",
        "/console/topics": topic, f"/console/topics/{topic}": "Publish a test message",
        "/console/states": machine, f"/console/states/{machine}": "Start an execution",
        f"/console/executions?arn={execution}": "History", "/console/functions": "Functions", "/console/archives": "Archives and replays",
        f"/console/search?q={queue}&go=no": queue,
    }
    for path, text in pages.items():
        response = web.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert web.get("/console/queues/no-such-queue").status_code == 404
    assert "keeps no history" in web.get(f"/console/topics/{topic}").text  # no --event-history: no fan-out
    # search: a whole name goes straight to its page
    assert web.get("/console/search", q=topic).headers["location"] == f"/console/topics/{topic}"


def test_payloads_are_escaped(server: Any, web: ConsoleClient) -> None:
    sqs = client("sqs", server.url)
    queue = unique("esc")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='<script>alert("body")</script>',
                     MessageAttributes={"a": {"DataType": "String", "StringValue": "<img src=x onerror=alert(1)>"}})
    page = web.get(f"/console/queues/{queue}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    tested = web.get("/console/buses/default", test="1", source="</textarea><script>x()</script>",
                     detail_type="T", detail='{"k": "</pre><b>bold</b>"}').text
    assert "<script>x()" not in tested and "<b>bold</b>" not in tested
    assert "&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;" in tested
    searched = web.get("/console/search", q="<svg onload=alert(1)>", go="no").text
    assert "<svg onload" not in searched and "&lt;svg onload=alert(1)&gt;" in searched


def test_every_form_needs_its_csrf_token(server: Any, web: ConsoleClient) -> None:
    sqs = client("sqs", server.url)
    queue = unique("csrf")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    path = f"/console/queues/{queue}/send"
    web.get(f"/console/queues/{queue}")
    # no token at all, a wrong one, and one made up and set in both cookie and form
    assert web.post(path, {"body": "no token"}, token="").status_code == 403
    assert web.post(path, {"body": "wrong"}, token=web.token[:-2] + "xx").status_code == 403
    stranger = httpx.Client(base_url=server.url, cookies={"eventyard_console_csrf": "made.up"})
    assert stranger.post(path, data={"csrf_token": "made.up", "body": "forged"}).status_code == 403
    stranger.close()
    assert web.post(f"/console/queues/{queue}/purge", {}, token="").status_code == 403
    assert web.post("/console/theme", {"back": "/console/"}, token="").status_code == 403
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None
    # with the page's token the same form works
    sent = web.post(path, {"body": "with the token", "attributes": "colour=blue"})
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"/console/queues/{queue}?done=sent")
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=5)["Messages"]
    assert message["Body"] == "with the token"
    assert message["MessageAttributes"]["colour"]["StringValue"] == "blue"


def test_peek_receives_nothing_and_searches_bodies_and_attributes(server: Any, web: ConsoleClient) -> None:
    sqs = client("sqs", server.url)
    queue = unique("peek")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first order", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "refund"}})
    sqs.send_message(QueueUrl=url, MessageBody="second order")
    [got] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=1,
                                AttributeNames=["All"], WaitTimeSeconds=5)["Messages"]
    assert got["Attributes"]["ApproximateReceiveCount"] == "1"
    for _ in range(3):
        page = web.get(f"/console/queues/{queue}").text
        assert "first order" in page and "second order" in page
    assert 'data-receive-count="1"' in page
    assert "refund" in web.get(f"/console/queues/{queue}", q="refund").text
    assert "second order" not in web.get(f"/console/queues/{queue}", q="refund").text
    again = {m["Body"]: m for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                                       WaitTimeSeconds=5)["Messages"]}
    assert again[got["Body"]]["Attributes"]["ApproximateReceiveCount"] == "2"  # our receive, not the peeks
    assert again["second order" if got["Body"] == "first order" else "first order"][
        "Attributes"]["ApproximateReceiveCount"] == "1"


def test_why_a_rule_did_not_match_a_near_miss(server: Any, web: ConsoleClient) -> None:
    events = client("events", server.url)
    bus, big, paid = unique("bus"), unique("big"), unique("paid")
    events.create_event_bus(Name=bus)
    events.put_rule(Name=big, EventBusName=bus, EventPattern=json.dumps(
        {"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 200]}]}}))
    events.put_rule(Name=paid, EventBusName=bus, EventPattern=json.dumps({"detail": {"state": ["paid"]}}))
    page = web.get(f"/console/buses/{bus}", test="1", source="shop.orders", detail_type="OrderPlaced",
                   detail='{"total": 120, "state": "paid"}').text
    rows = page.split('class="verdict"')
    [big_row] = [r for r in rows if f'data-rule="{big}"' in r]
    [paid_row] = [r for r in rows if f'data-rule="{paid}"' in r]
    assert "not matched" in big_row and "<code>detail.total</code>" in big_row
    assert "numeric &gt; 200" in big_row and "<code>120</code>" in big_row
    assert "✓ matched" in paid_row
    # the rule page's tester says the same about a pasted event
    tested = web.get(f"/console/buses/{bus}/rules/{big}", event=json.dumps(
        {"source": "shop.orders", "detail-type": "x", "detail": {"total": 99}})).text
    assert "numeric &gt; 200" in tested and "<code>99</code>" in tested


def test_send_an_event_and_publish_and_purge_from_forms(server: Any, web: ConsoleClient) -> None:
    sqs, events, sns = client("sqs", server.url), client("events", server.url), client("sns", server.url)
    queue, rule, topic = unique("sink"), unique("rule"), unique("topic")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [rule]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    web.get("/console/buses/default")
    sent = web.post("/console/buses/default/send", {"source": rule, "detail_type": "T", "detail": '{"n": 1}',
                                                      "resources": ""})
    assert sent.status_code == 303, sent.text
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    assert json.loads(message["Body"])["source"] == rule
    counters = web.get(f"/console/buses/default/rules/{rule}").text.split('id="rule-counters"')[1]
    assert '<div class="value">1</div><div class="label">matched (TriggeredRules)</div>' in counters
    assert '<div class="value">1</div><div class="label">invocations</div>' in counters
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    published = web.post(f"/console/topics/{topic}/publish", {"message": "hello from the console", "subject": "",
                                                              "attributes": ""})
    assert published.status_code == 303
    [note] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    assert note["Body"] == "hello from the console"
    sqs.send_message(QueueUrl=url, MessageBody="to purge")
    assert web.post(f"/console/queues/{queue}/purge", {}).status_code == 303
    assert "Queue purged." in web.get(f"/console/queues/{queue}", done="purged").text
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None


def test_live_counts_arrive_as_server_sent_events(server: Any) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        with http.stream("GET", "/console/live/home") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = []
            for line in stream.iter_lines():
                lines.append(line)
                if line == "event: counts":
                    break
    assert "event: counts" in lines


def test_sign_in_with_an_access_key_pair_under_sigv4(make_server: Any) -> None:
    guarded = make_server(extra_args=["--auth", "sigv4", "--access-keys", "CONSOLEKEY:CONSOLESECRET:111122223333"])
    web = ConsoleClient(guarded.url)
    try:
        assert web.get("/console/queues").headers["location"].startswith("/console/login?next=")
        form = web.get("/console/login")
        assert form.status_code == 200 and "Secret access key" in form.text
        refused = web.post("/console/login", {"access_key": "CONSOLEKEY", "secret_key": "wrong", "region": "us-east-1",
                                              "next": "/console/queues"})
        assert refused.status_code == 401 and "CONSOLESECRET" not in refused.text
        assert web.post("/console/login", {"access_key": "CONSOLEKEY", "secret_key": "CONSOLESECRET"},
                        token="").status_code == 403
        signed = web.post("/console/login", {"access_key": "CONSOLEKEY", "secret_key": "CONSOLESECRET",
                                             "region": "us-east-1", "next": "/console/queues"})
        assert signed.status_code == 303 and signed.headers["location"] == "/console/queues"
        sqs = client("sqs", guarded.url, account="CONSOLEKEY", secret="CONSOLESECRET")
        sqs.create_queue(QueueName="visible-to-the-key")
        listed = web.get("/console/queues")
        assert listed.status_code == 200 and "visible-to-the-key" in listed.text and "111122223333" in listed.text
        assert web.post("/console/logout", {}).status_code == 303
        assert web.get("/console/queues").status_code == 303
    finally:
        web.close()


def test_an_execution_shows_its_graph_and_its_waiting_token_answered_from_the_page(server: Any,
                                                                                   web: ConsoleClient) -> None:
    sqs, sfn = client("sqs", server.url), client("stepfunctions", server.url)
    url = sqs.create_queue(QueueName=unique("tokens"))["QueueUrl"]
    definition = {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}}, "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    machine = sfn.create_state_machine(name=unique("approve"), roleArn=ROLE, definition=json.dumps(definition))
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
    token = json.loads(message["Body"])["token"]
    page = web.get("/console/executions", arn=arn).text
    assert 'data-state="Ask" data-status="running"' in page and 'data-state="Done" data-status=""' in page
    assert f'name="token" value="{token}"' in page
    answered = web.post("/console/executions/answer", {"arn": arn, "token": token, "outcome": "success",
                                                       "output": '{"approved": true}'})
    assert answered.status_code == 303
    described = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                           what="the execution to end")
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"approved": True}
    done = web.get("/console/executions", arn=arn).text
    assert 'data-state="Ask" data-status="succeeded"' in done and 'id="tokens"' not in done


def test_under_iam_the_console_shows_what_the_signed_in_principal_may_see(make_server: Any) -> None:
    guarded = make_server(extra_args=["--auth", "iam", "--access-keys", "ROOTKEY:ROOTSECRET:000000000000"])
    iam = client("iam", guarded.url, account="ROOTKEY", secret="ROOTSECRET")
    sqs = client("sqs", guarded.url, account="ROOTKEY", secret="ROOTSECRET")
    url = sqs.create_queue(QueueName="watched")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="secret payload")
    iam.create_user(UserName="watcher")
    iam.put_user_policy(UserName="watcher", PolicyName="look", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sqs:ListQueues", "sqs:GetQueueAttributes"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="watcher")["AccessKey"]
    web = ConsoleClient(guarded.url)
    try:
        web.get("/console/login")
        assert web.post("/console/login", {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"],
                                           "region": "us-east-1", "next": "/console/queues"}).status_code == 303
        assert "watched" in web.get("/console/queues").text
        queue = web.get("/console/queues/watched").text
        assert "may not receive messages from this queue" in queue and "secret payload" not in queue
        assert "not authorized" in web.get("/console/topics").text  # no sns:ListTopics for this user
        home = web.get("/console/").text  # queue counts (sqs:ListQueues), none of the services it may not list
        assert re.search(r"messages visible \(\d+ queues\)", home)  # on PostgreSQL the module's servers share a store
        assert "events in" not in home and "SNS deliveries" not in home
        refused = web.post("/console/queues/watched/send", {"body": "not allowed"})
        assert refused.status_code == 400 and "AccessDenied" in refused.text
        # the account's root sees the message
        root = ConsoleClient(guarded.url)
        root.get("/console/login")
        root.post("/console/login", {"access_key": "ROOTKEY", "secret_key": "ROOTSECRET", "region": "us-east-1",
                                     "next": "/console/"})
        assert "secret payload" in root.get("/console/queues/watched").text
        root.close()
    finally:
        web.close()


def test_the_tail_and_an_event_page_from_the_kept_history(make_server: Any, server: Any) -> None:
    assert "keeps no recent events" in ConsoleClient(server.url).get("/console/buses/default/tail").text
    keeping = make_server(extra_args=["--event-history", "3"])
    events = client("events", keeping.url)
    bus = unique("tailed")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="paid", EventBusName=bus, EventPattern=json.dumps({"detail": {"state": ["paid"]}}))
    for n in range(5):
        events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Order",
                                    "Detail": json.dumps({"n": n, "state": "paid" if n % 2 else "new",
                                                          "note": "<script>x</script>"})}])
    web = ConsoleClient(keeping.url)
    try:
        page = web.get(f"/console/buses/{bus}/tail").text
        assert page.count('class="kept"') >= 3 and "<script>x" not in page
        filtered = web.get(f"/console/buses/{bus}/tail", pattern='{"detail": {"state": ["paid"]}}').text
        assert 0 < filtered.count('class="kept"') < page.count('class="kept"')
        assert "Filter is not an object" in web.get(f"/console/buses/{bus}/tail", pattern="[1]").text
        row = int(re.findall(rf"/console/buses/{bus}/events/(\d+)", page)[0])
        shown = web.get(f"/console/buses/{bus}/events/{row}").text
        assert "aws events put-events --entries" in shown and "&lt;script&gt;x&lt;/script&gt;" in shown
        assert 'data-rule="paid"' in shown
        event_id = re.findall(r"<h1>Event ([0-9a-f-]+)</h1>", shown)[0]
        assert web.get("/console/search", q=event_id).headers["location"] == f"/console/buses/{bus}/events/{row}"
        # trimmed in the background to the newest 3 of the bus
        wait_until(lambda: web.get(f"/console/buses/{bus}/tail").text.count('class="kept"') == 3,
                   what="the history to be trimmed to 3 events")
    finally:
        web.close()


def test_redrive_a_dead_letter_queue_and_switch_a_rule_from_the_pages(server: Any, web: ConsoleClient) -> None:
    sqs, events = client("sqs", server.url), client("events", server.url)
    source, dead = unique("src"), unique("dlq")
    dead_url = sqs.create_queue(QueueName=dead)["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source_url = sqs.create_queue(QueueName=source, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})})
    source_url = source_url["QueueUrl"]
    sqs.send_message(QueueUrl=source_url, MessageBody="back home")
    sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=5)  # received once: the limit

    def in_the_dead_letter_queue() -> bool:
        sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=0)  # moves it on
        attributes = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["ApproximateNumberOfMessages"])
        return attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"

    wait_until(in_the_dead_letter_queue, what="the message to reach the dead-letter queue")
    page = web.get(f"/console/queues/{dead}").text
    assert f"Dead-letter queue of {source}" in page and "No redrive has run" in page
    assert web.get(f"/console/queues/{source}").text.count('id="redrive"') == 0
    started = web.post(f"/console/queues/{dead}/redrive", {"destination": "", "rate": ""})
    assert started.status_code == 303, started.text
    moved = wait_until(lambda: sqs.receive_message(QueueUrl=source_url, WaitTimeSeconds=1).get("Messages"),
                       what="the message to be moved back")
    assert moved[0]["Body"] == "back home"
    tasks = wait_until(lambda: "COMPLETED" in (t := web.get(f"/console/queues/{dead}/move-tasks").text) and t,
                       what="the move task to complete")
    assert 'data-status="COMPLETED"' in tasks
    rule = unique("switch")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["x"]}))
    assert web.post(f"/console/buses/default/rules/{rule}/state", {"state": "DISABLED"}).status_code == 303
    assert events.describe_rule(Name=rule)["State"] == "DISABLED"
    assert web.post(f"/console/buses/default/rules/{rule}/state", {"state": "ENABLED"}).status_code == 303
    assert events.describe_rule(Name=rule)["State"] == "ENABLED"


def test_an_archive_replayed_from_its_page(server: Any, web: ConsoleClient) -> None:
    events, sqs = client("events", server.url), client("sqs", server.url)
    bus, archive, rule = unique("arch"), unique("kept"), unique("again")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.create_archive(ArchiveName=archive, EventSourceArn=bus_arn)
    url = sqs.create_queue(QueueName=unique("replayed"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "T", "Detail": '{"n": 1}'}])
    wait_until(lambda: events.describe_archive(ArchiveName=archive)["EventCount"] == 1, what="the event to be archived")
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    assert archive in web.get("/console/archives").text
    page = web.get(f"/console/archives/{archive}").text
    assert "No replays of this archive yet" in page
    start = re.search(r'id="start" name="start" type="text" value="([^"]+)"', page)
    assert start is not None
    started = web.post(f"/console/archives/{archive}/replay", {
        "replay_name": "from-the-console", "start": start.group(1), "end": "2100-01-01T00:00:00Z", "rules": ""})
    assert started.status_code == 303, started.text
    rows = wait_until(lambda: 'data-state="COMPLETED"' in (t := web.get(f"/console/archives/{archive}/replays").text)
                      and t, what="the replay to complete")
    assert 'data-replay="from-the-console"' in rows and "100 %" in rows
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    assert json.loads(message["Body"])["detail"] == {"n": 1}


ARCHIVE_EVENTS = 25  # more than one page of the archive's events (20 a page)


def test_an_archives_events_searched_and_paged(server: Any, web: ConsoleClient) -> None:
    events = client("events", server.url)
    bus, archive = unique("browse"), unique("kept")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.create_archive(ArchiveName=archive, EventSourceArn=bus_arn)
    for start in range(0, ARCHIVE_EVENTS, 10):
        events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Order",
                                    "Detail": json.dumps({"order": f"order-{n:03d}", "note": "<b>x</b>"})}
                                   for n in range(start, min(start + 10, ARCHIVE_EVENTS))])
    wait_until(lambda: events.describe_archive(ArchiveName=archive)["EventCount"] == ARCHIVE_EVENTS,
               what="the events to be archived")
    assert f"/console/archives/{archive}/events" in web.get(f"/console/archives/{archive}").text
    first = web.get(f"/console/archives/{archive}/events")
    assert first.status_code == 200
    assert first.text.count('class="archived"') == 20
    assert "order-024" in first.text and "order-000" not in first.text  # newest first
    assert "<b>x</b>" not in first.text and "&lt;b&gt;x&lt;/b&gt;" in first.text
    older = re.search(r'href="(/console/archives/[^"]+before=\d+)"', first.text)
    assert older is not None
    second = web.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count('class="archived"') == ARCHIVE_EVENTS - 20 and "order-000" in second.text
    assert "Older events" not in second.text
    found = web.get(f"/console/archives/{archive}/events", q="order-007")
    assert found.text.count('class="archived"') == 1 and "order-007" in found.text
    assert "No archived event contains" in web.get(f"/console/archives/{archive}/events", q="nowhere").text
    assert web.get("/console/archives/no-such-archive/events").status_code == 404


LOUD = zipped({"app.py": (
    "def handler(event, context):\n"
    "    print('console says ' + str(event.get('word')))\n"
    "    if event.get('fail'):\n"
    "        raise ValueError('asked to fail')\n"
    "    return {'echo': event.get('word')}\n")})


def test_a_function_invoked_from_its_page_with_its_invocations_and_live_log(server: Any, web: ConsoleClient) -> None:
    lam = client("lambda", server.url)
    name = unique("fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": LOUD}, Environment={"Variables": {"STAGE": "<test>"}})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    assert name in web.get("/console/functions").text
    page = web.get(f"/console/functions/{name}", event='{"word": "kept"}')
    assert page.status_code == 200
    assert "python3.12" in page.text and "app.handler" in page.text and "&lt;test&gt;" in page.text
    assert "{&#34;word&#34;: &#34;kept&#34;}" in page.text  # the test event from the link
    assert "No invocations in the last day" in page.text
    invoked = web.post(f"/console/functions/{name}/invoke", {"event": '{"word": "hello"}'})
    assert invoked.status_code == 200, invoked.text
    assert "&#34;echo&#34;: &#34;hello&#34;" in invoked.text and "console says hello" in invoked.text
    assert "event=%7B%22word%22%3A+%22hello%22%7D" in invoked.text  # a link keeps the test event
    failed = web.post(f"/console/functions/{name}/invoke", {"event": '{"word": "no", "fail": true}'},)
    assert "Unhandled" in failed.text and "asked to fail" in failed.text
    fragment = web.http.post(f"/console/functions/{name}/invoke", headers={"hx-request": "true"},
                             data={"csrf_token": web.token, "event": '{"word": "htmx"}'})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "console says htmx" in fragment.text

    def listed() -> str | bool:
        text = web.get(f"/console/functions/{name}").text
        return text.count('class="invocation"') == 3 and text

    text = wait_until(listed, what="the three invocations in the function's log group")
    assert text.count('data-status="succeeded"') == 2 and text.count('data-status="failed"') == 1
    assert "asked to fail" in text
    with httpx.Client(base_url=server.url, timeout=30) as http:
        with http.stream("GET", f"/console/live/functions/{name}/logs", params={"after": "0"}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            seen = ""
            for line in stream.iter_lines():
                seen += line + "\n"
                if "console says htmx" in seen:
                    break
    assert "event: logs" in seen and "console says hello" in seen
    assert web.get("/console/functions/no-such-function").status_code == 404
    assert web.get("/console/search", q=name).headers["location"] == f"/console/functions/{name}"
    assert web.post(f"/console/functions/{name}/invoke", {"event": "{}"}, token="forged").status_code == 403
