"""The fast paths of the durable driver, through boto3 on both backends, each checked
against what the ordinary path does:

- ``sqs:sendMessage`` to a standard queue of the execution's account is sent inside the
  unit of work of the transition (the execution is over when StartExecution answers),
  with the same history and output as a send through a task job;
- an EventBridge rule starts its state machine inside PutEvents' own unit of work (the
  executions exist when PutEvents answers); a start it cannot make goes through the
  outbox, whose refusal ends in the target's dead-letter queue as before;
- a distributed Map whose children never wait counts them in the unit that starts them,
  over several units when there are more than one unit starts.
"""

from __future__ import annotations

import json
import time
from typing import Any

from _clients import client
from test_sfn_executions import ROLE, account, ended, history, machine, sfn, sqs  # noqa: F401 (fixtures)

SEND = "arn:aws:states:::sqs:sendMessage"


def _sending(queue_url: str, **more: Any) -> dict[str, Any]:
    return {"StartAt": "Stamp", "States": {
        "Stamp": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "Send"},
        "Send": {"Type": "Task", "Resource": SEND, "ResultPath": "$.sent", "Next": "Tidy",
                 "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$", **more}},
        "Tidy": {"Type": "Pass", "Result": "done", "ResultPath": "$.status", "End": True}}}


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, int, Any]]:
    """A history without what differs between two runs (times, message ids)."""
    shaped = []
    for e in events:
        details = {k: v for k, v in e.items() if k.endswith("EventDetails")}
        for d in details.values():
            for key in ("input", "output", "parameters"):
                if key in d:
                    value = json.loads(d[key])
                    if isinstance(value, dict):
                        value.pop("DelaySeconds", None)
                        for sent in (value, value.get("sent")):
                            if isinstance(sent, dict):
                                sent.pop("MessageId", None)
                    d[key] = value
        shaped.append((e["type"], e["previousEventId"], details))
    return shaped


def test_an_sqs_task_is_sent_inside_the_transition_with_the_ordinary_paths_history(sfn, sqs):
    url = sqs.create_queue(QueueName="fast")["QueueUrl"]
    fast = machine(sfn, _sending(url))
    ordinary = machine(sfn, _sending(url, DelaySeconds=0))  # a parameter the fast path leaves to a task job
    fast_run = sfn.start_execution(stateMachineArn=fast, input=json.dumps({"n": 1}))["executionArn"]
    # nothing waits for a job: the message and every transition committed with the start
    described = sfn.describe_execution(executionArn=fast_run)
    assert described["status"] == "SUCCEEDED"
    ordinary_run = sfn.start_execution(stateMachineArn=ordinary, input=json.dumps({"n": 1}))["executionArn"]
    slow = ended(sfn, ordinary_run)
    assert slow["status"] == "SUCCEEDED"
    fast_output, slow_output = json.loads(described["output"]), json.loads(slow["output"])
    assert fast_output["sent"].keys() == slow_output["sent"].keys() == {"MessageId", "MD5OfMessageBody"}
    assert fast_output["sent"]["MD5OfMessageBody"] == slow_output["sent"]["MD5OfMessageBody"]
    assert _shape(history(sfn, fast_run)) == _shape(history(sfn, ordinary_run))
    bodies = []
    deadline = time.monotonic() + 30
    while len(bodies) < 2 and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append((m["MessageId"], json.loads(m["Body"])))
    assert [b for _, b in bodies] == [{"n": 1}, {"n": 1}]
    assert fast_output["sent"]["MessageId"] in {i for i, _ in bodies}


def test_a_send_the_queue_refuses_fails_the_task_as_sqs_answers(sfn, sqs):
    # a missing queue is not sent in the unit: the ordinary call answers with SQS's error
    url = sqs.create_queue(QueueName="here")["QueueUrl"]
    arn = machine(sfn, _sending(url.replace("/here", "/not-here")))
    out = ended(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps({"n": 2}))["executionArn"])
    assert out["status"] == "FAILED"
    assert out["error"].startswith("SQS.") and "QueueDoesNotExist" in out["error"]


def test_a_rule_starts_executions_inside_put_events(server, sfn, account):
    events = client("events", server.url, account=account)
    arn = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.detail", "End": True}}})
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "sm", "Arn": arn, "RoleArn": ROLE}])
    answer = events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": n})}
                                        for n in range(3)])
    assert answer["FailedEntryCount"] == 0
    # committed with the events: no delivery round trip to wait for
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert len(listed) == 3 and all(e["status"] == "SUCCEEDED" for e in listed)
    outputs = sorted(json.loads(sfn.describe_execution(executionArn=e["executionArn"])["output"])["n"]
                     for e in listed)
    assert outputs == [0, 1, 2]


def test_a_start_put_events_cannot_make_goes_through_the_outbox_to_the_dead_letter_queue(server, sfn, sqs,
                                                                                         account):
    events = client("events", server.url, account=account)
    dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    gone = machine(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    sfn.delete_state_machine(stateMachineArn=gone)
    events.put_rule(Name="to-gone", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="to-gone", Targets=[{"Id": "sm", "Arn": gone, "RoleArn": ROLE,
                                                 "DeadLetterConfig": {"Arn": dlq_arn}}])
    assert events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": "{}"}])[
        "FailedEntryCount"] == 0
    deadline = time.monotonic() + 60
    messages: list[dict[str, Any]] = []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"],
                                       WaitTimeSeconds=1).get("Messages", [])
    assert messages, "the refused start reached no dead-letter queue"
    assert messages[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "StateMachineDoesNotExist"


def test_a_distributed_map_larger_than_one_pump_counts_children_that_never_wait(sfn):
    from eventyard.services.stepfunctions.maprun import PUMP_BATCH

    items = PUMP_BATCH + 37  # two units of work start the children
    arn = machine(sfn, {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True, "ItemSelector": {"n.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Out", "States": {"Out": {"Type": "Pass", "OutputPath": "$.n", "End": True}}}}}})
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(items))}))["executionArn"]
    out = ended(sfn, run, timeout=300)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == list(range(items))
    [listed] = sfn.list_map_runs(executionArn=run)["mapRuns"]
    counts = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])["itemCounts"]
    assert (counts["succeeded"], counts["running"], counts["pending"], counts["total"]) == (items, 0, 0, items)


def test_an_express_execution_has_no_history_quota(server, account):
    # AWS: "Maximum execution history size: Unlimited" for Express (25,000 for Standard)
    import boto3
    from botocore.config import Config

    from _clients import NO_RETRY

    sync = boto3.session.Session().client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                                          aws_access_key_id=account, aws_secret_access_key="test",
                                          config=NO_RETRY.merge(Config(inject_host_prefix=False)))
    items = 4_500  # about 6 events an item: past 25,000
    arn = machine(sync, {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"StartAt": "Out", "States": {"Out": {"Type": "Pass", "End": True}}}}}}, type="EXPRESS")
    out = sync.start_sync_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(items))}))
    assert out["status"] == "SUCCEEDED", (out.get("error"), out.get("cause"))
    assert json.loads(out["output"]) == list(range(items))
