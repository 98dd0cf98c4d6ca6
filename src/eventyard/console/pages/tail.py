"""A bus's live tail (the events kept by ``--event-history``) with a pattern filter and
pause, and an event's page: its envelope, the rules it matched when accepted, and why
every other rule did not match it."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator

from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import PREFIX, Console, Frame
from eventyard.console.pages.buses import rules_of, verdicts
from eventyard.console.pages.home import STREAM_SECONDS, _event
from eventyard.console.yard import Refused
from eventyard.core.patterns.ast import Pattern
from eventyard.core.patterns.errors import InvalidEventPattern
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.explain import explain
from eventyard.core.patterns.parse import parse_pattern
from eventyard.store.delivery_history import Attempt
from eventyard.store.event_history import KeptEvent

POLL_SECONDS = 0.2  # the tail shows an accepted event within about this (plus the page's own work)
SHOWN = 50


def _filter(text: str) -> tuple[Pattern | None, str | None]:
    if not text.strip():
        return None, None
    try:
        return parse_pattern(text), None
    except InvalidEventPattern as exc:
        return None, str(exc)


def _shown(events: list[KeptEvent], pattern: Pattern | None) -> list[KeptEvent]:
    if pattern is None:
        return events
    return [e for e in events if explain(pattern, flatten(e.event)).matched]


def routes(console: Console) -> list[BaseRoute]:
    async def tail(frame: Frame) -> Response:
        bus = frame.request.path_params["bus"]
        text = frame.param("pattern")
        pattern, problem = _filter(text)
        before = frame.param("before")
        try:
            found = await frame.yard.kept_events(frame.viewer, bus, before=int(before) if before.isdigit() else None,
                                                 limit=SHOWN)
        except Refused as exc:
            return frame.render("error.html", status=403, title=f"Events of {bus}", message=exc.message)
        latest = found[0].id if found else 0
        if not before:
            latest = max([latest] + [e.id for e in await frame.yard.kept_events(frame.viewer, bus, limit=1)])
        return frame.render("tail.html", title=f"Live tail of {bus}", bus=bus, events=_shown(found, pattern),
                            pattern_text=text, problem=problem, paused=bool(frame.param("paused")) or bool(before),
                            latest=latest, older=found[-1].id if len(found) == SHOWN else None,
                            kept_per_bus=frame.yard.recent_events.kept_per_bus)

    async def live(frame: Frame) -> Response:
        bus = frame.request.path_params["bus"]
        pattern, _ = _filter(frame.param("pattern"))
        after = frame.param("after")
        resumed = frame.request.headers.get("last-event-id", "")
        last = max(int(after) if after.isdigit() else 0, int(resumed) if resumed.isdigit() else 0)
        rows = console.templates.get_template("_tail_rows.html")

        async def stream() -> AsyncIterator[str]:
            nonlocal last
            yield "retry: 500\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends:
                try:
                    fresh = await frame.yard.kept_events(frame.viewer, bus, after=last, limit=100)
                except Refused:
                    return
                if fresh:
                    last = fresh[0].id
                    shown = _shown(fresh, pattern)
                    if shown:
                        html = rows.render(events=shown, bus=bus, prefix=PREFIX, now_ms=int(time.time() * 1000))
                        yield f"id: {last}\n" + _event("events", html)
                await asyncio.sleep(POLL_SECONDS)

        response = StreamingResponse(stream(), media_type="text/event-stream")
        response.headers["x-accel-buffering"] = "no"
        return console.finish(response, frame)

    async def event_page(frame: Frame) -> Response:
        bus, row = frame.request.path_params["bus"], frame.request.path_params["row"]
        try:
            kept = await frame.yard.kept_event(frame.viewer, bus, int(row)) if row.isdigit() else None
            rules = await rules_of(frame, bus)
        except Refused as exc:
            return frame.render("error.html", status=403, title="Event", message=exc.message)
        if kept is None:
            return frame.render("error.html", status=404, title="Event",
                                message="This event is not kept any more (the history keeps the newest events of each bus).")
        event = kept.event
        entry = {"Source": event.get("source"), "DetailType": event.get("detail-type"),
                 "Detail": json.dumps(event.get("detail"), separators=(",", ":")), "EventBusName": bus}
        if event.get("resources"):
            entry["Resources"] = event["resources"]
        cli = "aws events put-events --entries " + _shell_quote(json.dumps([entry], separators=(",", ":")))
        boto3 = f"boto3.client(\"events\").put_events(Entries=[{_python(entry)}])"
        return frame.render("event.html", title=f"Event {kept.event_id}", bus=bus, kept=kept,
                            pretty=json.dumps(event, indent=2), verdicts=verdicts(rules, event), cli=cli, boto3=boto3,
                            deliveries=await _deliveries(frame, bus, kept, rules))

    return [
        Route("/buses/{bus}/tail", console.page(tail)),
        Route("/live/tail/{bus}", console.page(live)),
        Route("/buses/{bus}/events/{row}", console.page(event_page)),
    ]


@dataclass(frozen=True)
class TargetDelivery:
    """One target of a rule the event matched, and what became of its delivery."""

    rule: str
    target_id: str
    target_arn: str
    outcome: str
    note: str
    attempts: list[Attempt]


async def _deliveries(frame: Frame, bus: str, kept: KeptEvent, rules: list[dict[str, Any]]) -> list[TargetDelivery]:
    """The targets of the rules the event matched when accepted, with every kept attempt."""
    attempts: dict[str, list[Attempt]] = {}
    for attempt in await frame.yard.attempts(kept.event_id):
        attempts.setdefault(attempt.target, []).append(attempt)
    arns = {rule.get("Name"): rule.get("Arn", "") for rule in rules}
    found = []
    for name in kept.matched[:20]:
        try:
            targets = (await frame.call("events", "ListTargetsByRule", {"Rule": name, "EventBusName": bus})).get(
                "Targets", [])
        except Refused:
            continue
        for target in targets:
            tried = attempts.get(f"{arns.get(name, '')} {target.get('Id', '')}", [])
            target_arn = target.get("Arn", "")
            if tried:
                outcome, note = tried[-1].outcome, ""
            elif ":sqs:" in target_arn:
                outcome, note = "delivered", "written to the queue in PutEvents' own commit"
            elif ":archive/" in target_arn or ":states:" in target_arn:
                outcome, note = "delivered", "done in PutEvents' own commit"
            else:
                outcome, note = "no attempt kept", "waiting in the outbox, or its attempts are no longer kept"
            found.append(TargetDelivery(name, target.get("Id", ""), target_arn, outcome, note, tried))
    return found


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _python(entry: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in entry.items()) + "}"
