"""Step Functions timers in process on both backends, with an injected clock: retry
backoff, a heartbeat timeout (and a heartbeat that puts it off), a Wait of a day and an
execution timeout come due exactly when the clock says, and not before. The job
runtime's due jobs are run by hand (``run_due``), so nothing depends on wall time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from eventyard.api.invoke import Invoker
from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.store import Store

CTX = RequestContext(account="111122223333", region="eu-west-1")
ROLE = "arn:aws:iam::111122223333:role/sfn"
START = 1_800_000_000.0


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    current = [START]
    monkeypatch.setattr(clock, "epoch", lambda: current[0])
    return current


class Node:
    def __init__(self, store: Store) -> None:
        self.registry = ServiceRegistry(store, DeliveryRuntime(store))
        self.invoker = Invoker(self.registry.resolve)

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        return await self.invoker.invoke(service, operation, params, CTX)

    async def settle(self) -> None:
        """Run every job due now, and what they make due now, until none is left."""
        while await self.registry.jobs.run_due():
            pass

    async def start(self, definition: dict[str, Any], input_: str = "{}") -> str:
        made = await self.call("stepfunctions", "CreateStateMachine", name="m", definition=json.dumps(definition),
                               roleArn=ROLE)
        started = await self.call("stepfunctions", "StartExecution", stateMachineArn=made["stateMachineArn"],
                                  input=input_)
        await self.settle()
        return str(started["executionArn"])

    async def status(self, arn: str) -> dict[str, Any]:
        return await self.call("stepfunctions", "DescribeExecution", executionArn=arn)

    async def history(self, arn: str) -> list[str]:
        events = (await self.call("stepfunctions", "GetExecutionHistory", executionArn=arn, maxResults=1000))["events"]
        return [e["type"] for e in events]


@pytest.fixture
def node(store: Store, now: list[float]) -> Iterator[Node]:
    yield Node(store)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_retries_back_off_as_the_clock_says(node: Node, now: list[float]) -> None:
    definition = {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                   "Parameters": {"QueueName": "missing"},
                   "Retry": [{"ErrorEquals": ["Sqs.QueueDoesNotExistException"], "IntervalSeconds": 2,
                              "BackoffRate": 3, "MaxAttempts": 2}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "GaveUp"}], "End": True},
        "GaveUp": {"Type": "Pass", "End": True}}}

    async def scenario() -> None:
        arn = await node.start(definition)
        assert (await node.history(arn)).count("TaskFailed") == 1
        now[0] = START + 1.9
        await node.settle()
        assert (await node.history(arn)).count("TaskFailed") == 1  # 2 s have not passed
        now[0] = START + 2.0
        await node.settle()
        assert (await node.history(arn)).count("TaskFailed") == 2
        now[0] = START + 2.0 + 5.9
        await node.settle()
        assert (await node.status(arn))["status"] == "RUNNING"  # the second wait is 2 * 3 = 6 s
        now[0] = START + 2.0 + 6.0
        await node.settle()
        assert (await node.history(arn)).count("TaskFailed") == 3
        out = await node.status(arn)
        assert out["status"] == "SUCCEEDED"
        assert json.loads(out["output"])["Error"] == "Sqs.QueueDoesNotExistException"

    run(scenario())


def test_a_heartbeat_timeout_and_a_heartbeat_that_puts_it_off(node: Node, now: list[float]) -> None:
    async def scenario() -> None:
        await node.call("sqs", "CreateQueue", QueueName="work")
        url = "http://localhost:4566/queue/eu-west-1/111122223333/work"
        definition = {"StartAt": "Ask", "States": {"Ask": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": url, "MessageBody.$": "$$.Task.Token"},
            "HeartbeatSeconds": 5, "TimeoutSeconds": 100, "End": True}}}
        arn = await node.start(definition)
        got = await node.call("sqs", "ReceiveMessage", QueueUrl=url)
        token = got["Messages"][0]["Body"]
        now[0] = START + 3
        await node.call("stepfunctions", "SendTaskHeartbeat", taskToken=token)
        now[0] = START + 7  # 5 s after the start, but only 4 after the heartbeat
        await node.settle()
        assert (await node.status(arn))["status"] == "RUNNING"
        now[0] = START + 8
        await node.settle()
        out = await node.status(arn)
        assert (out["status"], out["error"]) == ("FAILED", "States.Timeout")  # as AWS records it
        assert "TaskTimedOut" in await node.history(arn)
        with pytest.raises(Exception) as exc:
            await node.call("stepfunctions", "SendTaskSuccess", taskToken=token, output="{}")
        assert getattr(exc.value, "code", None) == "TaskTimedOut"

    run(scenario())


def test_a_wait_of_a_day_and_an_execution_timeout(node: Node, now: list[float]) -> None:
    async def scenario() -> None:
        day = await node.start({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86_400, "End": True}}},
                               '{"x": 1}')
        now[0] = START + 86_399
        await node.settle()
        assert (await node.status(day))["status"] == "RUNNING"
        now[0] = START + 86_400
        await node.settle()
        out = await node.status(day)
        assert (out["status"], out["output"]) == ("SUCCEEDED", '{"x":1}')

    run(scenario())


def test_an_execution_timeout(store: Store, now: list[float]) -> None:
    node = Node(store)

    async def scenario() -> None:
        arn = await node.start({"TimeoutSeconds": 10, "StartAt": "W",
                                "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
        now[0] = START + 10
        await node.settle()
        out = await node.status(arn)
        assert (out["status"], out["error"]) == ("TIMED_OUT", "States.Timeout")
        assert (await node.history(arn))[-1] == "ExecutionTimedOut"

    run(scenario())
