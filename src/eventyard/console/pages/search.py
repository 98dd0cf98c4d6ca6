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
    async def resources() -> list[Found]:
        out = []
        for r in await frame.yard.search_resources(frame.viewer, query, limit=MAX_FOUND):
            if r.kind == "queue":
                link = f"/queues/{_q(r.name)}"
            elif r.kind == "topic":
                link = f"/topics/{_q(r.name)}"
            elif r.kind == "event bus":
                link = f"/buses/{_q(r.name)}"
            elif r.kind == "rule":
                link = f"/buses/{_q(r.bus or 'default')}/rules/{_q(r.name)}"
            elif r.kind == "state machine":
                link = f"/states/{_q(r.name)}"
            else:
                link = f"/functions/{_q(r.name)}"
            arn = r.arn or f"arn:aws:lambda:{region}:{account}:function:{r.name}"
            out.append(Found(r.kind, r.name, arn, link))
        return out

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
    for read in (resources, execution, kept_event):
        found.extend(await _quietly(read))
    return found
