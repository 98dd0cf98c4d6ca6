"""Event buses and rules: rules with their patterns, "test an event" with why each rule
did not match (``core.patterns.explain``), send an event, a rule's pattern tester."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused
from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.services.events import transforms
from eventyard.core.patterns.errors import InvalidEventPattern
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.explain import Explanation, explain
from eventyard.core.patterns.parse import parse_pattern

EXAMPLE_DETAIL = '{\n  "state": "paid",\n  "total": 120\n}'


@dataclass(frozen=True)
class RuleVerdict:
    rule: dict[str, Any]
    explanation: Explanation | None  # None: the rule has no pattern (a schedule) or a broken one
    note: str = ""


def verdicts(rules: list[dict[str, Any]], event: dict[str, Any]) -> list[RuleVerdict]:
    """Each rule against ``event``: matched ones first, then the misses, by name."""
    flat = flatten(event)
    found = []
    for rule in rules:
        text = rule.get("EventPattern")
        if not text:
            found.append(RuleVerdict(rule, None, "no event pattern (a schedule): events never match it"))
            continue
        try:
            found.append(RuleVerdict(rule, explain(parse_pattern(text), flat)))
        except InvalidEventPattern as exc:
            found.append(RuleVerdict(rule, None, str(exc)))
    return sorted(found, key=lambda v: (not (v.explanation and v.explanation.matched), v.rule.get("Name", "")))


def envelope(frame: Frame, source: str, detail_type: str, detail: Any, resources: list[str]) -> dict[str, Any]:
    """The event as EventBridge would route it (its id and time are made up here)."""
    return {
        "version": "0", "id": "00000000-0000-0000-0000-000000000000", "detail-type": detail_type,
        "source": source, "account": frame.viewer.account,
        "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": frame.viewer.region, "resources": resources, "detail": detail,
    }


async def rules_of(frame: Frame, bus: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    token = None
    while len(rules) < 1000:
        params: dict[str, Any] = {"EventBusName": bus, "Limit": 100}
        if token:
            params["NextToken"] = token
        page = await frame.call("events", "ListRules", params)
        rules.extend(page.get("Rules", []))
        token = page.get("NextToken")
        if not token:
            break
    return rules


def routes(console: Console) -> list[BaseRoute]:
    async def bus_list(frame: Frame) -> Response:
        problem = None
        try:
            await frame.call("events", "DescribeEventBus", {})  # the default bus exists once asked for
            buses = (await frame.call("events", "ListEventBuses", {"Limit": 100})).get("EventBuses", [])
        except Refused as exc:
            buses, problem = [], exc.message
        return frame.render("buses.html", title="Event buses", buses=buses, problem=problem)

    async def bus_page(frame: Frame) -> Response:
        bus = frame.request.path_params["bus"]
        try:
            described = await frame.call("events", "DescribeEventBus", {"Name": bus})
            rules = await rules_of(frame, bus)
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Event bus {bus}", message=exc.message)
        form = {"source": frame.param("source", "shop.orders"), "detail_type": frame.param("detail_type", "OrderPlaced"),
                "detail": frame.param("detail", EXAMPLE_DETAIL), "resources": frame.param("resources")}
        tested, problem = None, None
        if frame.param("test") or frame.param("detail"):
            event, problem = _event_of(frame, form)
            if event is not None:
                tested = {"event": event, "verdicts": verdicts(rules, event)}
        if frame.param("sent"):
            notice = f"Event {frame.param('sent')} put on {bus}; below, how its rules judged it."
        else:
            notice = ""
        return frame.render("bus.html", title=f"Event bus {bus}", bus=bus, described=described, rules=rules,
                            form=form, tested=tested, problem=problem, notice=notice)

    async def send(frame: Frame) -> Response:
        bus = frame.request.path_params["bus"]
        form = {"source": frame.field("source"), "detail_type": frame.field("detail_type"),
                "detail": frame.field("detail"), "resources": frame.field("resources")}
        entry: dict[str, Any] = {"EventBusName": bus, "Source": form["source"], "DetailType": form["detail_type"],
                                 "Detail": form["detail"]}
        resources = [r.strip() for r in form["resources"].splitlines() if r.strip()]
        if resources:
            entry["Resources"] = resources
        try:
            result = await frame.call("events", "PutEvents", {"Entries": [entry]})
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not sent", message=f"{exc.code}: {exc.message}")
        [answer] = result.get("Entries", [{}])
        if "ErrorCode" in answer:
            return frame.render("error.html", status=400, title="Not sent",
                                message=f"{answer['ErrorCode']}: {answer.get('ErrorMessage', '')}")
        return frame.redirect(f"/buses/{bus}", test="1", sent=answer.get("EventId", ""), **{
            k: v for k, v in form.items()})

    async def rule_page(frame: Frame) -> Response:
        bus, name = frame.request.path_params["bus"], frame.request.path_params["rule"]
        try:
            rule = await frame.call("events", "DescribeRule", {"Name": name, "EventBusName": bus})
            targets = (await frame.call("events", "ListTargetsByRule", {"Rule": name, "EventBusName": bus})).get("Targets", [])
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Rule {name}", message=exc.message)
        pattern = rule.get("EventPattern")
        pretty = json.dumps(json.loads(pattern), indent=2) if pattern else ""
        text = frame.param("event")
        verdict, problem = None, None
        if text:
            try:
                event = json.loads(text)
                if not isinstance(event, dict):
                    raise ValueError("an event is a JSON object")
                [verdict] = verdicts([rule], event)
            except ValueError as exc:
                problem = f"The event is not a JSON object: {exc}"
        try:
            recent = await frame.yard.kept_events(frame.viewer, bus, limit=RECENT_TESTED)
        except Refused:
            recent = []
        newest = recent[0].event if recent else None
        sample = json.dumps(newest or envelope(frame, "shop.orders", "OrderPlaced", json.loads(EXAMPLE_DETAIL), []),
                            indent=2)
        against = None
        if recent and pattern:
            try:
                parsed = parse_pattern(pattern)
                judged = [(kept, explain(parsed, flatten(kept.event))) for kept in recent]
                against = {"tested": len(judged), "matched": sum(1 for _, e in judged if e.matched),
                           "rows": judged[:RECENT_SHOWN]}
            except InvalidEventPattern:
                against = None
        inputs = [_input_of(rule, target, event) for target in targets
                  for event in [verdict_event(text) or newest] if event is not None]
        next_fire = await frame.yard.next_fire(rule.get("Arn", "")) if rule.get("ScheduleExpression") else None
        return frame.render("rule.html", title=f"Rule {name}", bus=bus, rule=rule, pattern=pretty, targets=targets,
                            counters=frame.yard.rule_counters(rule.get("Arn", "")),
                            event_text=text or sample, verdict=verdict, problem=problem, against=against,
                            inputs=inputs, from_tester=bool(verdict_event(text)), next_fire=next_fire)

    async def switch(frame: Frame) -> Response:
        bus, name = frame.request.path_params["bus"], frame.request.path_params["rule"]
        operation = "EnableRule" if frame.field("state") == "ENABLED" else "DisableRule"
        try:
            await frame.call("events", operation, {"Name": name, "EventBusName": bus})
        except Refused as exc:
            return frame.render("error.html", status=400, title=f"Rule {name}", message=f"{exc.code}: {exc.message}")
        return frame.redirect(f"/buses/{bus}/rules/{name}")

    return [
        Route("/buses/{bus}/rules/{rule}/state", console.page(switch), methods=["POST"]),
        Route("/buses", console.page(bus_list)),
        Route("/buses/{bus}", console.page(bus_page)),
        Route("/buses/{bus}/send", console.page(send), methods=["POST"]),
        Route("/buses/{bus}/rules/{rule}", console.page(rule_page)),
    ]


RECENT_TESTED = 200  # the rule page tests its pattern against this many of the bus's kept events
RECENT_SHOWN = 10


def verdict_event(text: str) -> dict[str, Any] | None:
    """The tester's event, when it is a JSON object."""
    try:
        event = json.loads(text) if text else None
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _input_of(rule: dict[str, Any], target: dict[str, Any], event: dict[str, Any]) -> dict[str, str]:
    """What the target would get for ``event``: its input as rendered by EventBridge's own
    transformer, or why it cannot be rendered."""
    try:
        rendered = transforms.render(transforms.compile_input(target), event, rule_arn=rule.get("Arn", ""),
                                     rule_name=rule.get("Name", ""), ingestion_ms=clock.now_ms())
        return {"id": target.get("Id", ""), "input": rendered, "problem": ""}
    except (transforms.TransformFailed, ServiceError, ValueError, KeyError, TypeError) as exc:
        return {"id": target.get("Id", ""), "input": "", "problem": str(exc)}


def _event_of(frame: Frame, form: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    try:
        detail = json.loads(form["detail"])
    except ValueError as exc:
        return None, f"Detail is not JSON: {exc}"
    if not isinstance(detail, dict):
        return None, "Detail must be a JSON object."
    resources = [r.strip() for r in form["resources"].splitlines() if r.strip()]
    return envelope(frame, form["source"], form["detail_type"], detail, resources), None
