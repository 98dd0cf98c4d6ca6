"""Home: live counts (every second over server-sent events) and what needs attention."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import AsyncIterator

from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused, Viewer, Yard

STREAM_SECONDS = 10.0  # a stream ends after this and the browser reconnects: a shutdown (which waits for open
# responses) never waits longer
TICK_SECONDS = 1.0
ATTENTION_EVERY = 5  # ticks between two "needs attention" refreshes


@dataclass(frozen=True)
class Attention:
    kind: str  # dead-letter queue | failing target | failed execution
    name: str
    detail: str
    link: str | None


async def counts(yard: Yard, viewer: Viewer, services: frozenset[str]) -> dict[str, object]:
    depths = await yard.home_depths(viewer) if "sqs" in services else None
    totals = yard.counters(viewer, services)
    return {
        "queues_shown": depths is not None,
        "counters": totals,
        "queues": depths.queues if depths else 0,
        "visible": depths.visible if depths else 0,
        "not_visible": depths.not_visible if depths else 0,
    }


async def attention(frame: Frame, services: frozenset[str]) -> list[Attention]:
    yard, viewer = frame.yard, frame.viewer
    found: list[Attention] = []
    for depth in (await yard.home_depths(viewer)).dead_letter_queues if "sqs" in services else []:
        held = depth.visible + depth.in_flight + depth.delayed
        if depth.dead_letter and held:
            name = depth.arn.rsplit(":", 1)[-1]
            found.append(Attention("dead-letter queue", name, f"holds {held} message(s)", f"/queues/{name}"))
    mark = f":{viewer.region}:{viewer.account}:"
    for family in yard.metrics.collect():
        for sample in family.samples:
            if sample.name == "eventyard_events_failed_invocations_total" and sample.value and "events" in services:
                rule = sample.labels.get("rule", "")
                if mark in rule:
                    bus, _, name = rule.split(":rule/", 1)[-1].rpartition("/")
                    link = f"/buses/{bus or 'default'}/rules/{name}"
                    found.append(Attention("failing target", name, f"{int(sample.value)} failed invocation(s)", link))
            if sample.name == "eventyard_sns_notifications_failed_total" and sample.value and "sns" in services:
                topic = next(iter(sample.labels.values()), "")
                if mark in topic:
                    name = topic.rsplit(":", 1)[-1]
                    found.append(Attention("failing subscription", name, f"{int(sample.value)} failed deliveries",
                                           f"/topics/{name}"))
    if "stepfunctions" not in services:
        return found
    try:
        machines = (await frame.call("stepfunctions", "ListStateMachines", {"maxResults": 50})).get("stateMachines", [])
        for machine in machines:
            failed = await frame.call("stepfunctions", "ListExecutions", {
                "stateMachineArn": machine["stateMachineArn"], "statusFilter": "FAILED", "maxResults": 5})
            for execution in failed.get("executions", []):
                found.append(Attention("failed execution", f"{machine['name']} / {execution['name']}",
                                       "failed", "/executions?" + _arn_query(execution["executionArn"])))
    except Refused:
        pass  # the viewer may not list state machines: nothing to report from there
    return found


def _arn_query(arn: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"arn": arn})


def routes(console: Console) -> list[BaseRoute]:
    async def home(frame: Frame) -> Response:
        services = await frame.yard.listable(frame.viewer)
        return frame.render("home.html", title="Home", counts=await counts(frame.yard, frame.viewer, services),
                            attention=await attention(frame, services))

    async def live(frame: Frame) -> Response:
        templates = console.templates

        services = await frame.yard.listable(frame.viewer)  # again when the stream reconnects

        async def stream() -> AsyncIterator[str]:
            yield "retry: 1000\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            tick = 0
            while time.monotonic() < ends:
                html = templates.get_template("_counts.html").render(
                    counts=await counts(frame.yard, frame.viewer, services))
                yield _event("counts", html)
                if tick % ATTENTION_EVERY == 0 and tick:
                    html = templates.get_template("_attention.html").render(
                        attention=await attention(frame, services), prefix="/console")
                    yield _event("attention", html)
                tick += 1
                await asyncio.sleep(TICK_SECONDS)

        response = StreamingResponse(stream(), media_type="text/event-stream")
        response.headers["x-accel-buffering"] = "no"
        return console.finish(response, frame)

    return [Route("/", console.page(home)), Route("/live/home", console.page(live))]


def _event(name: str, html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n"
