"""Several servers on one PostgreSQL store share Step Functions' work: an execution
started on one node is advanced by whichever node's job loop claims it, and an activity
worker polling another node gets its tasks (SQLite: one server per file, so PostgreSQL
only)."""

from __future__ import annotations

import json

from _clients import client
from _server import ServerProcess
from test_sfn_executions import ended, machine, new_account


def test_two_nodes_share_executions(fresh_postgres_url, tmp_path):
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log") for i in (1, 2)]
    try:
        for node in nodes:
            node.start()
        _share(*nodes)
    finally:
        for node in nodes:
            node.stop()


def _share(a, b):
    account = new_account()
    sfn_a = client("stepfunctions", a.url, account=account)
    sfn_b = client("stepfunctions", b.url, account=account)
    activity = sfn_a.create_activity(name="work")["activityArn"]
    arn = machine(sfn_a, {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "T"},
        "T": {"Type": "Task", "Resource": activity, "End": True}}})
    executions = [sfn_a.start_execution(stateMachineArn=arn, input=json.dumps({"n": n}))["executionArn"]
                  for n in range(6)]
    answered = 0
    while answered < len(executions):  # a worker on node B takes what node A's executions queue
        task = sfn_b.get_activity_task(activityArn=activity)
        if task.get("taskToken"):
            sfn_b.send_task_success(taskToken=task["taskToken"], output=task["input"])
            answered += 1
    outputs = sorted(json.loads(ended(sfn_a, e)["output"])["n"] for e in executions)
    assert outputs == list(range(6))
