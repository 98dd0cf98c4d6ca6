"""One box: any queue, bus, rule, topic, state machine or function by name or ARN (a substring),
and an execution by its ARN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import quote, urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused

MAX_FOUND = 200


@dataclass(frozen=True)
class Found:
    kind: str
    name: str
    arn: str
    link: str


def _q(text: str) -> str:
    return quote(text, safe="")


async def _quietly(read: Callable[[], Awaitable[list[Found]]]) -> list[Found]:
    try:
        return await read()
    except Refused:  # what the viewer may not list is not searched
        return []


def routes(console: Console) -> list[BaseRoute]:
    async def search(frame: Frame) -> Response:
        query = frame.param("q").strip()
        found: list[Found] = []
        if query:
            found = await _search(frame, query)
            exact = [f for f in found if query in (f.arn, f.name)]
            if len(exact) == 1 and frame.param("go") != "no":
                return frame.redirect(exact[0].link)
        return frame.render("search.html", title="Search", search_query=query, found=found[:MAX_FOUND])

    return [Route("/search", console.page(search))]


async def _search(frame: Frame, query: str) -> list[Found]:
    region, account = frame.viewer.region, frame.viewer.account
    needle = query.lower()

    def hit(*texts: str) -> bool:
        return any(needle in t.lower() for t in texts)

    async def queues() -> list[Found]:
        urls = (await frame.call("sqs", "ListQueues", {})).get("QueueUrls", [])
        out = []
        for url in urls:
            name = url.rsplit("/", 1)[-1]
            arn = f"arn:aws:sqs:{region}:{account}:{name}"
            if hit(name, arn, url):
                out.append(Found("queue", name, arn, f"/queues/{_q(name)}"))
        return out

    async def buses_and_rules() -> list[Found]:
        out = []
        buses = (await frame.call("events", "ListEventBuses", {"Limit": 100})).get("EventBuses", [])
        for bus in buses:
            if hit(bus["Name"], bus["Arn"]):
                out.append(Found("event bus", bus["Name"], bus["Arn"], f"/buses/{_q(bus['Name'])}"))
            rules = (await frame.call("events", "ListRules", {"EventBusName": bus["Name"], "Limit": 100})).get("Rules", [])
            for rule in rules:
                if hit(rule["Name"], rule["Arn"]):
                    out.append(Found("rule", rule["Name"], rule["Arn"],
                                     f"/buses/{_q(bus['Name'])}/rules/{_q(rule['Name'])}"))
        return out

    async def topics() -> list[Found]:
        listed = (await frame.call("sns", "ListTopics", {})).get("Topics", [])
        return [Found("topic", t["TopicArn"].rsplit(":", 1)[-1], t["TopicArn"],
                      f"/topics/{_q(t['TopicArn'].rsplit(':', 1)[-1])}")
                for t in listed if hit(t["TopicArn"])]

    async def machines() -> list[Found]:
        listed = (await frame.call("stepfunctions", "ListStateMachines", {"maxResults": 1000})).get("stateMachines", [])
        return [Found("state machine", m["name"], m["stateMachineArn"], f"/states/{_q(m['name'])}")
                for m in listed if hit(m["name"], m["stateMachineArn"])]

    async def functions() -> list[Found]:
        listed = (await frame.call("lambda", "ListFunctions", {"MaxItems": 1000})).get("Functions", [])
        return [Found("function", f["FunctionName"], f["FunctionArn"], f"/functions/{_q(f['FunctionName'])}")
                for f in listed if hit(f["FunctionName"], f["FunctionArn"])]

    async def execution() -> list[Found]:
        if not query.startswith("arn:") or ":execution:" not in query:
            return []
        described: dict[str, Any] = await frame.call("stepfunctions", "DescribeExecution", {"executionArn": query})
        return [Found("execution", described.get("name", ""), query, "/executions?" + urlencode({"arn": query}))]

    async def kept_event() -> list[Found]:
        if len(query) < 8 or " " in query:  # event ids are UUIDs
            return []
        found = []
        for kept in await frame.yard.find_kept_events(frame.viewer, query):
            bus = kept.bus_arn.split("event-bus/", 1)[-1]
            found.append(Found("event", kept.event_id, kept.bus_arn, f"/buses/{_q(bus)}/events/{kept.id}"))
        return found

    found: list[Found] = []
    for read in (queues, buses_and_rules, topics, machines, functions, execution, kept_event):
        found.extend(await _quietly(read))
    return found
