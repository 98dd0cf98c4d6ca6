"""The console in a real browser (Debian's chromium, driven by Playwright) against a real
server on both backends: pages render with no script or policy errors in light and dark
(screenshots kept), counts update live, the why-not-matched explanation, peek leaves
receive counts alone (checked by boto3), a form without its CSRF token is refused, and
the pages work with JavaScript off, and axe finds nothing serious or critical on any page
in either theme. One browser per module."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from _clients import client
from services.functions._functions import zipped
from _waiting import wait_until

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PATIENCE_MS = 30_000  # generous: the machine is shared and busy
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # test-only: never served (see vendor/MANIFEST.json)
BLOCKING = ("serious", "critical")  # axe impacts the console must never have


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (apt-get install -y chromium) installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("EVENTYARD_TEST_ARTIFACTS")
    folder = Path(where) / "console" if where else tmp_path_factory.mktemp("console-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {folder}")
    return folder


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    opened = context.new_page()
    yield opened
    context.close()


SAYS = zipped({"app.py": "def handler(event, context):\n    print('console says ' + str(event.get('word')))\n"
                          "    return {'echo': event.get('word')}\n"})


def make_function(lam: Any, name: str) -> None:
    lam.create_function(FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
                        Handler="app.handler", Code={"ZipFile": SAYS})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def errors_of(page: Page) -> list[str]:
    found: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            found.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda exc: found.append(str(exc)))
    return found


def test_pages_render_light_and_dark_without_errors(server: Any, browser: Browser, artifacts: Path,
                                                    request: pytest.FixtureRequest) -> None:
    sqs, events = client("sqs", server.url), client("events", server.url)
    queue, rule = unique("shots"), unique("rule")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 7, "note": "<b>not bold</b>"}))
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["shop"], "detail": {"total": [{"numeric": [">", 9]}]}}))
    function = unique("fn")
    make_function(client("lambda", server.url), function)
    paths = {"function": f"/console/functions/{function}?" + urlencode({"event": '{"word": "shown"}'}),"home": "/console/", "queues": "/console/queues", "queue": f"/console/queues/{queue}",
             "buses": "/console/buses", "bus": "/console/buses/default?test=1&source=shop&detail=%7B%22total%22%3A3%7D",
             "rule": f"/console/buses/default/rules/{rule}", "topics": "/console/topics", "states": "/console/states",
             "functions": "/console/functions", "archives": "/console/archives", "search": "/console/search?go=no&q=shots"}
    backend = request.node.callspec.id
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(PATIENCE_MS)
        tab = context.new_page()
        errors = errors_of(tab)
        for name, path in paths.items():
            response = tab.goto(server.url + path)
            assert response is not None and response.status == 200, path
            expect(tab.locator("h1")).to_be_visible()
            tab.screenshot(path=str(artifacts / f"{backend}-{scheme}-{name}.png"), full_page=True)
        background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(15, 20, 25)")
        assert errors == [], errors  # no script error, no blocked resource, no policy violation
        context.close()


def test_counts_update_live_and_slash_focuses_search(server: Any, page: Page) -> None:
    sqs = client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("live"))["QueueUrl"]
    errors = errors_of(page)
    page.goto(server.url + "/console/")
    visible = page.locator(".card", has_text="messages visible").locator(".value")
    before = int(visible.inner_text())
    page.wait_for_function("() => window.htmx !== undefined")
    sqs.send_message(QueueUrl=url, MessageBody="counted live")
    # pushed over server-sent events, no reload (queue totals are recounted every 5 s)
    expect(visible).to_have_text(str(before + 1), timeout=PATIENCE_MS)
    page.locator("main h1").click()
    page.keyboard.press("/")
    expect(page.locator("#search-box")).to_be_focused()
    assert errors == [], errors


def test_why_not_matched_for_a_near_miss(server: Any, page: Page) -> None:
    events = client("events", server.url)
    bus, rule = unique("bus"), unique("big")
    events.create_event_bus(Name=bus)
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(
        {"source": ["shop.orders"], "detail": {"total": [{"numeric": [">=", 100]}], "state": ["paid"]}}))
    page.goto(server.url + f"/console/buses/{bus}")
    page.fill("#source", "shop.orders")
    page.fill("#detail", '{"total": 99.5, "state": "paid"}')
    page.get_by_role("button", name="Test against the rules").click()
    row = page.locator(f'tr.verdict[data-rule="{rule}"]')
    expect(row).to_contain_text("not matched")
    expect(row.locator(".why")).to_contain_text("detail.total: wanted numeric >= 100; the event has 99.5")


def test_peek_leaves_the_receive_count_alone(server: Any, page: Page) -> None:
    sqs = client("sqs", server.url)
    queue = unique("peek")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="look, do not touch")
    for _ in range(3):
        page.goto(server.url + f"/console/queues/{queue}")
        expect(page.locator("#messages")).to_contain_text("look, do not touch")
    [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                                    WaitTimeSeconds=5)["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"


def test_a_form_without_its_csrf_token_is_refused(server: Any, page: Page) -> None:
    sqs = client("sqs", server.url)
    queue = unique("csrf")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    page.goto(server.url + f"/console/queues/{queue}")
    page.fill("#body", "should not arrive")
    page.evaluate("document.querySelector('form[action$=\"/send\"] input[name=csrf_token]').remove()")
    with page.expect_response(lambda r: r.url.endswith("/send")) as answered:
        page.get_by_role("button", name="Send").click()
    assert answered.value.status == 403
    expect(page.locator("main")).to_contain_text("CSRF token")
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None
    page.goto(server.url + f"/console/queues/{queue}")  # with the token, the same form sends
    page.fill("#body", "arrives")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash")).to_contain_text("Message sent")
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert message["Body"] == "arrives"


def test_pages_work_without_javascript(server: Any, browser: Browser) -> None:
    sqs, events = client("sqs", server.url), client("events", server.url)
    queue, rule = unique("nojs"), unique("paid")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    events.put_rule(Name=rule, EventPattern=json.dumps({"detail": {"state": ["paid"]}}))
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(PATIENCE_MS)
    tab = context.new_page()
    try:
        tab.goto(server.url + "/console/")
        expect(tab.locator(".card", has_text="messages visible")).to_be_visible()
        tab.goto(server.url + "/console/buses/default")  # a GET form: state in the URL
        tab.fill("#detail", '{"state": "refunded"}')
        tab.get_by_role("button", name="Test against the rules").click()
        assert "test=1" in tab.url
        expect(tab.locator(f'tr.verdict[data-rule="{rule}"] .why')).to_contain_text('wanted "paid"')
        tab.goto(server.url + f"/console/queues/{queue}")  # a POST form with its token
        tab.fill("#body", "sent without javascript")
        tab.get_by_role("button", name="Send").click()
        expect(tab.locator("#messages")).to_contain_text("sent without javascript")
        tab.get_by_role("button", name="Theme: system").click()  # the theme is a cookie, drawn by the server
        assert tab.locator("html").get_attribute("data-theme") == "dark"
        tab.get_by_role("link", name="Purge…").click()
        tab.get_by_role("button", name="Purge the queue").click()
        expect(tab.locator(".flash")).to_contain_text("Queue purged.")
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None
    finally:
        context.close()


def test_a_callback_token_completed_from_the_execution_page(server: Any, page: Page) -> None:
    sqs, sfn = client("sqs", server.url), client("stepfunctions", server.url)
    url = sqs.create_queue(QueueName=unique("tokens"))["QueueUrl"]
    definition = {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
    machine = sfn.create_state_machine(name=unique("approve"), roleArn="arn:aws:iam::000000000000:role/r",
                                       definition=json.dumps(definition))
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)  # the task has started and waits
    page.goto(server.url + "/console/executions?" + urlencode({"arn": arn}))
    expect(page.locator('.graph [data-state="Ask"]')).to_have_attribute("data-status", "running")
    page.fill("#error-1", "Rejected.ByReviewer")
    page.fill("#cause-1", "not this time")
    page.get_by_role("button", name="Send failure").click()
    expect(page.locator(".flash")).to_contain_text("Task token answered.")
    ended = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                       what="the execution to end")
    assert ended["status"] == "FAILED" and ended["error"] == "Rejected.ByReviewer"


def test_the_live_tail_shows_an_event_put_by_boto3(make_server: Any, page: Page) -> None:
    keeping = make_server(extra_args=["--event-history", "100"])
    events = client("events", keeping.url)
    bus = unique("live")
    events.create_event_bus(Name=bus)
    page.add_init_script("document.addEventListener('htmx:sseOpen', () => { window.tailOpen = true; })")
    page.goto(keeping.url + f"/console/buses/{bus}/tail?" + urlencode({"pattern": '{"source": ["wanted"]}'}))
    page.wait_for_function("() => window.tailOpen === true")  # the stream is open: the latency below is the tail's
    put_at = time.monotonic()
    events.put_events(Entries=[{"EventBusName": bus, "Source": "unwanted", "DetailType": "T", "Detail": "{}"},
                               {"EventBusName": bus, "Source": "wanted", "DetailType": "T", "Detail": "{}"}])
    expect(page.locator("#tail tr.kept")).to_have_count(1)
    print(f"\nlive tail: an accepted event appeared {1000 * (time.monotonic() - put_at):.0f} ms after PutEvents began")
    expect(page.locator("#tail tr.kept")).to_contain_text("wanted")
    page.get_by_role("link", name="Pause").click()
    expect(page.get_by_role("link", name="Resume")).to_be_visible()
    page.locator("#tail tr.kept a").first.click()
    expect(page.locator("#envelope")).to_contain_text('"source": "wanted"')


def test_a_redrive_runs_to_completion_with_live_progress(server: Any, page: Page) -> None:
    sqs = client("sqs", server.url)
    dead_url = sqs.create_queue(QueueName=(dead := unique("dlq")))["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source_url = sqs.create_queue(QueueName=unique("src"), Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sqs.send_message(QueueUrl=source_url, MessageBody="redriven")
    sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=5)

    def in_the_dead_letter_queue() -> bool:
        sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=0)
        counts = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["ApproximateNumberOfMessages"])
        return counts["Attributes"]["ApproximateNumberOfMessages"] == "1"

    wait_until(in_the_dead_letter_queue, what="the message to reach the dead-letter queue")
    errors = errors_of(page)
    page.goto(server.url + f"/console/queues/{dead}")
    page.get_by_role("button", name="Start redrive").click()
    expect(page.locator(".flash")).to_contain_text("Redrive started.")
    # the task's row turns COMPLETED on the page by itself (htmx polls the fragment)
    expect(page.locator('#move-tasks tr[data-status="COMPLETED"]')).to_have_count(1)
    [message] = sqs.receive_message(QueueUrl=source_url, WaitTimeSeconds=5)["Messages"]
    assert message["Body"] == "redriven"
    assert errors == [], errors


def test_a_function_invoked_from_its_page_shows_in_the_live_log(server: Any, page: Page) -> None:
    name = unique("fn")
    make_function(client("lambda", server.url), name)
    errors = errors_of(page)
    page.add_init_script("document.addEventListener('htmx:sseOpen', () => { window.tailOpen = true; })")
    page.goto(server.url + f"/console/functions/{name}?" + urlencode({"event": '{"word": "linked"}'}))
    expect(page.locator("#event")).to_have_value('{"word": "linked"}')  # the test event kept in the link
    page.wait_for_function("() => window.tailOpen === true")
    page.fill("#event", '{"word": "from-the-page"}')
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator("#invoke-payload")).to_contain_text('"echo": "from-the-page"')
    # the log line arrives in the live tail over server-sent events, with no reload
    expect(page.locator("#log-tail")).to_contain_text("console says from-the-page")
    assert errors == [], errors


def findings_of_axe(tab: Page) -> list[str]:
    """axe's serious and critical findings on the page, one line each (rule, impact, where)."""
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in BLOCKING]


def test_axe_finds_nothing_serious_on_any_page_light_or_dark(server: Any, browser: Browser) -> None:
    sqs, events, sns = client("sqs", server.url), client("events", server.url), client("sns", server.url)
    sfn, lam = client("stepfunctions", server.url), client("lambda", server.url)
    queue, rule, topic, machine = unique("axe"), unique("rule"), unique("topic"), unique("machine")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 7}))
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["shop"]}))
    bus_arn = events.describe_event_bus(Name="default")["Arn"]
    archive = unique("archive")
    events.create_archive(ArchiveName=archive, EventSourceArn=bus_arn)
    sns.create_topic(Name=topic)
    made = sfn.create_state_machine(name=machine, roleArn="arn:aws:iam::000000000000:role/r", definition=json.dumps(
        {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                                        "Done": {"Type": "Pass", "End": True}}}))
    execution = sfn.start_execution(stateMachineArn=made["stateMachineArn"])["executionArn"]
    function = unique("fn")
    make_function(lam, function)
    paths = ["/console/", "/console/queues", f"/console/queues/{queue}", f"/console/queues/{queue}/purge",
             "/console/buses", "/console/buses/default?test=1&source=shop&detail=%7B%7D",
             f"/console/buses/default/rules/{rule}", "/console/buses/default/tail", "/console/topics",
             f"/console/topics/{topic}", "/console/states", f"/console/states/{machine}",
             "/console/executions?" + urlencode({"arn": execution}), "/console/functions",
             f"/console/functions/{function}", "/console/archives", f"/console/archives/{archive}",
             f"/console/archives/{archive}/events", "/console/search?go=no&q=axe"]
    found: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        # axe is injected as a script, which the console's strict policy rightly refuses: this
        # context alone bypasses it (the other tests check the policy holds)
        context = browser.new_context(color_scheme=scheme, bypass_csp=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(PATIENCE_MS)
        tab = context.new_page()
        for path in paths:
            response = tab.goto(server.url + path)
            assert response is not None and response.status == 200, path
            findings = findings_of_axe(tab)
            if findings:
                found[f"{scheme} {path}"] = findings
        context.close()
    assert found == {}, json.dumps(found, indent=1)


def test_axe_finds_nothing_serious_on_the_sign_in_and_error_pages(make_server: Any, browser: Browser) -> None:
    guarded = make_server(extra_args=["--auth", "sigv4", "--access-keys", "AXEKEY:AXESECRET:111122223333"])
    found: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # axe's script: see above
        context.set_default_timeout(PATIENCE_MS)
        tab = context.new_page()
        tab.goto(guarded.url + "/console/login")
        found[f"{scheme} sign-in"] = findings_of_axe(tab)
        tab.fill("#access_key", "AXEKEY")
        tab.fill("#secret_key", "wrong")
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.locator("[role=alert]")).to_be_visible()  # refused: the form again, with the problem
        found[f"{scheme} sign-in refused"] = findings_of_axe(tab)
        tab.fill("#access_key", "AXEKEY")
        tab.fill("#secret_key", "AXESECRET")
        tab.get_by_role("button", name="Sign in").click()
        response = tab.goto(guarded.url + "/console/queues/no-such-queue")
        assert response is not None and response.status == 404
        found[f"{scheme} not found"] = findings_of_axe(tab)
        context.close()
    assert {page: f for page, f in found.items() if f} == {}, json.dumps(found, indent=1)


def test_axe_and_screens_of_the_fan_out_delivery_and_chart_pages(make_server: Any, browser: Browser,
                                                                    artifacts: Path) -> None:
    keeping = make_server(extra_args=["--event-history", "20"])
    sqs, sns, events = client("sqs", keeping.url), client("sns", keeping.url), client("events", keeping.url)
    queue = unique("charted")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = sns.create_topic(Name=unique("fan"))["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"FilterPolicy": json.dumps({"kind": ["refund"]})})
    message_id = sns.publish(TopicArn=topic_arn, Message="hello", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"}})["MessageId"]
    bus = unique("axed")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "Order", "Detail": "{}"}])
    topic = topic_arn.rsplit(":", 1)[-1]
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PATIENCE_MS)
    tab = context.new_page()
    try:
        tab.goto(f"{keeping.url}/console/buses/{bus}/tail")
        event_link = tab.locator("a[href*='/events/']").first.get_attribute("href")
        assert event_link
        found: dict[str, list[str]] = {}
        for scheme in ("light", "dark"):
            tab.emulate_media(color_scheme=scheme)
            for path in (f"/console/topics/{topic}", f"/console/topics/{topic}/messages/{message_id}", event_link,
                         f"/console/queues/{queue}", f"/console/buses/{bus}/rules/all"):
                response = tab.goto(keeping.url + path)
                assert response is not None and response.status == 200, path
                findings = findings_of_axe(tab)
                if findings:
                    found[f"{scheme} {path}"] = findings
                tab.screenshot(path=str(artifacts / f"fanout-{scheme}-{path.strip('/').replace('/', '_')[:80]}.png"))
        assert found == {}, json.dumps(found, indent=1)
        # the queue's chart gains samples while the page is open (htmx asks every 2 s)
        tab.goto(f"{keeping.url}/console/queues/{queue}")
        expect(tab.locator("#queue-charts svg.spark").first).to_be_visible()
        wait_until(lambda: "1 samples" not in (tab.locator("#queue-charts").inner_text() +
                                               (tab.locator("#queue-charts svg").first.get_attribute("aria-label") or "")),
                   what="a second sample of the queue's chart")
    finally:
        context.close()
