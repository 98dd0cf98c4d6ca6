"""Express executions keep no history rows (AWS has no GetExecutionHistory for them; their
history is in CloudWatch Logs only), in process on both backends: a synchronous and an
asynchronous Express execution, and the Express children of a distributed Map, write
nothing to the history table, while their log delivery and a Standard execution's
history are as before."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from eventyard.api.invoke import Invoker
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.store import Store

CTX = RequestContext(account="111122223333", region="eu-west-1")
ROLE = "arn:aws:iam::111122223333:role/sfn"
GROUP = "/aws/vendedlogs/states/express"
STEPS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "M"}, "M": {
    "Type": "Map", "ItemsPath": "$.items", "End": True,
    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}
DISTRIBUTED = {"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemsPath": "$.items", "End": True,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                      "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}


def _history_rows(store: Store, arn_part: str) -> int:
    return int(store.read_sync(lambda s: s.execute(
        "SELECT count(*) FROM sfn_history WHERE execution_arn LIKE ?", (f"%{arn_part}%",)).fetchone()[0]))


def test_express_executions_write_no_history_rows(store: Store) -> None:
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    invoker = Invoker(registry.resolve)

    async def call(service: str, operation: str, **params: Any) -> dict[str, Any]:
        return await invoker.invoke(service, operation, params, CTX)

    async def settle() -> None:
        while await registry.jobs.run_due():
            pass

    async def scenario() -> None:
        await call("logs", "CreateLogGroup", logGroupName=GROUP)
        logging = {"level": "ALL", "includeExecutionData": True, "destinations": [{"cloudWatchLogsLogGroup": {
            "logGroupArn": f"arn:aws:logs:eu-west-1:111122223333:log-group:{GROUP}:*"}}]}
        express = (await call("stepfunctions", "CreateStateMachine", name="quick", type="EXPRESS", roleArn=ROLE,
                              definition=json.dumps(STEPS), loggingConfiguration=logging))["stateMachineArn"]
        done = await call("stepfunctions", "StartSyncExecution", stateMachineArn=express,
                          input=json.dumps({"items": [1, 2, 3]}))
        assert done["status"] == "SUCCEEDED"
        await call("stepfunctions", "StartExecution", stateMachineArn=express, input=json.dumps({"items": [4]}))
        await settle()
        assert _history_rows(store, ":express:quick:") == 0
        logged = (await call("logs", "FilterLogEvents", logGroupName=GROUP))["events"]
        types = [json.loads(e["message"])["type"] for e in logged]
        assert types.count("ExecutionStarted") == 2 and types.count("ExecutionSucceeded") == 2
        assert types.count("MapIterationSucceeded") == 4

        standard = (await call("stepfunctions", "CreateStateMachine", name="fanout", roleArn=ROLE,
                               definition=json.dumps(DISTRIBUTED)))["stateMachineArn"]
        parent = (await call("stepfunctions", "StartExecution", stateMachineArn=standard,
                             input=json.dumps({"items": [1, 2, 3]})))["executionArn"]
        await settle()
        assert (await call("stepfunctions", "DescribeExecution", executionArn=parent))["status"] == "SUCCEEDED"
        assert _history_rows(store, ":execution:fanout:") > 0  # the Standard parent's
        assert _history_rows(store, ":execution:fanout/M:") == 0  # none of its Express children's
        run = (await call("stepfunctions", "ListMapRuns", executionArn=parent))["mapRuns"][0]["mapRunArn"]
        children = (await call("stepfunctions", "ListExecutions", mapRunArn=run))["executions"]
        assert [c["status"] for c in children] == ["SUCCEEDED"] * 3

    asyncio.run(scenario())
