"""State machines (Step Functions): list, a machine's executions, an execution's paged
history with stop."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console import graph
from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused

HISTORY_PAGE = 50
GRAPH_EVENTS = 5000  # history events read to colour the graph


def _machine_arn(frame: Frame, name: str) -> str:
    return f"arn:aws:states:{frame.viewer.region}:{frame.viewer.account}:stateMachine:{name}"


async def _graph(frame: Frame, execution: dict[str, Any], arn: str) -> graph.Graph | None:
    """The machine's graph with how far the execution got (up to GRAPH_EVENTS events read)."""
    try:
        described = await frame.call("stepfunctions", "DescribeStateMachineForExecution", {"executionArn": arn})
        definition = json.loads(described.get("definition", "{}"))
        events: list[dict[str, Any]] = []
        token = None
        while len(events) < GRAPH_EVENTS:
            params: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
            if token:
                params["nextToken"] = token
            page = await frame.call("stepfunctions", "GetExecutionHistory", params)
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if not token:
                break
    except (Refused, ValueError):
        return None
    if not isinstance(definition, dict):
        return None
    return graph.layout(definition, graph.statuses(events, execution.get("status", "")))


def routes(console: Console) -> list[BaseRoute]:
    async def machine_list(frame: Frame) -> Response:
        params: dict[str, Any] = {"maxResults": 100}
        if frame.param("next"):
            params["nextToken"] = frame.param("next")
        problem = None
        try:
            listed = await frame.call("stepfunctions", "ListStateMachines", params)
        except Refused as exc:
            listed, problem = {}, exc.message
        return frame.render("states.html", title="State machines", machines=listed.get("stateMachines", []),
                            next_token=listed.get("nextToken"), problem=problem)

    async def machine_page(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        arn = _machine_arn(frame, name)
        params: dict[str, Any] = {"stateMachineArn": arn, "maxResults": 50}
        status = frame.param("status")
        if status:
            params["statusFilter"] = status
        if frame.param("next"):
            params["nextToken"] = frame.param("next")
        try:
            machine = await frame.call("stepfunctions", "DescribeStateMachine", {"stateMachineArn": arn})
            listed = await frame.call("stepfunctions", "ListExecutions", params)
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"State machine {name}", message=exc.message)
        definition = machine.get("definition", "")
        try:
            definition = json.dumps(json.loads(definition), indent=2)
        except ValueError:
            pass
        return frame.render("machine.html", title=f"State machine {name}", name=name, machine=machine,
                            definition=definition, executions=listed.get("executions", []),
                            next_token=listed.get("nextToken"), status_filter=status)

    async def execution_page(frame: Frame) -> Response:
        arn = frame.param("arn")
        params: dict[str, Any] = {"executionArn": arn, "maxResults": HISTORY_PAGE,
                                  "reverseOrder": frame.param("order") == "newest"}
        if frame.param("next"):
            params["nextToken"] = frame.param("next")
        try:
            execution = await frame.call("stepfunctions", "DescribeExecution", {"executionArn": arn})
            history = await frame.call("stepfunctions", "GetExecutionHistory", params)
        except Refused as exc:
            return frame.render("error.html", status=404, title="Execution", message=exc.message)
        events = []
        for event in history.get("events", []):
            details = {k: v for k, v in event.items() if k.endswith("EventDetails")}
            events.append({"id": event.get("id"), "type": event.get("type"), "timestamp": event.get("timestamp"),
                           "details": json.dumps(next(iter(details.values()), {}), indent=1, default=str)})
        notice = {"stopped": "Stop requested.", "answered": "Task token answered."}.get(frame.param("done"), "")
        drawn = await _graph(frame, execution, arn)
        waiting = await frame.yard.waiting_tasks(frame.viewer, arn)
        return frame.render("execution.html", title=f"Execution {execution.get('name', '')}", execution=execution,
                            arn=arn, events=events, next_token=history.get("nextToken"),
                            order=frame.param("order") or "oldest", notice=notice, graph=drawn, waiting=waiting,
                            machine_name=execution.get("stateMachineArn", "").rsplit(":", 1)[-1])

    async def answer(frame: Frame) -> Response:
        arn, token = frame.field("arn"), frame.field("token")
        if frame.field("outcome") == "success":
            operation, params = "SendTaskSuccess", {"taskToken": token, "output": frame.field("output") or "{}"}
        else:
            operation, params = "SendTaskFailure", {"taskToken": token}
            for name in ("error", "cause"):
                if frame.field(name).strip():
                    params[name] = frame.field(name).strip()
        try:
            await frame.call("stepfunctions", operation, params)
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not answered", message=f"{exc.code}: {exc.message}")
        return frame.redirect("/executions", arn=arn, done="answered")

    async def stop(frame: Frame) -> Response:
        arn = frame.field("arn")
        try:
            await frame.call("stepfunctions", "StopExecution", {"executionArn": arn, "cause": "Stopped from the console"})
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not stopped", message=f"{exc.code}: {exc.message}")
        return frame.redirect("/executions", arn=arn, done="stopped")

    async def start(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        params: dict[str, Any] = {"stateMachineArn": _machine_arn(frame, name), "input": frame.field("input") or "{}"}
        if frame.field("execution_name").strip():
            params["name"] = frame.field("execution_name").strip()
        try:
            started = await frame.call("stepfunctions", "StartExecution", params)
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not started", message=f"{exc.code}: {exc.message}")
        return frame.redirect("/executions", arn=started["executionArn"])

    return [
        Route("/states", console.page(machine_list)),
        Route("/states/{name}", console.page(machine_page)),
        Route("/states/{name}/start", console.page(start), methods=["POST"]),
        Route("/executions", console.page(execution_page)),
        Route("/executions/stop", console.page(stop), methods=["POST"]),
        Route("/executions/answer", console.page(answer), methods=["POST"]),
    ]
