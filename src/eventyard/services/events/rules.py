"""Rules: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule,
ListRuleNamesByTarget."""

from __future__ import annotations

from typing import Any

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.patterns.parse import parse_pattern
from eventyard.services import _tagging
from eventyard.services._pagination import Page
from eventyard.services.events import schedules
from eventyard.services.events._base import (
    DEFAULT_BUS,
    BusDirectory,
    bus_name,
    bus_not_found,
    too_many_tags_given,
)
from eventyard.store import ConflictError, Session, Store
from eventyard.store.event_rules import RuleRecord

DEFAULT_RULES_PER_BUS = 300  # AWS's default quota (100 in af-south-1 and eu-south-1)
LIST_LIMIT = 100


def rule_arn(ctx: RequestContext, bus: str, name: str) -> str:
    resource = f"rule/{name}" if bus == DEFAULT_BUS else f"rule/{bus}/{name}"
    return arns.build("events", ctx.region, ctx.account, resource)


def rule_not_found(name: str, bus: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus}.")


def rule_in(s: Session, ctx: RequestContext, bus: str, name: str) -> RuleRecord:
    """Inside a unit of work: the named rule, or AWS's not-found error."""
    rule = s.event_rules.get(ctx.account, ctx.region, bus, name)
    if rule is None:
        if bus != DEFAULT_BUS and s.event_buses.get(ctx.account, ctx.region, bus) is None:
            raise bus_not_found(bus)
        raise rule_not_found(name, bus)
    return rule


class RuleOperations:
    """Rules: put, describe, list, delete, enable, disable, by target."""

    def __init__(self, store: Store, buses: BusDirectory) -> None:
        self.store = store
        self.buses = buses
        self.rules_per_bus = DEFAULT_RULES_PER_BUS  # the server sets its configured quota

    @staticmethod
    def _describe_rule(rule: RuleRecord, *, listed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"Name": rule.name, "Arn": rule.arn}
        if rule.event_pattern is not None:
            out["EventPattern"] = rule.event_pattern
        if rule.schedule_expression is not None:
            out["ScheduleExpression"] = rule.schedule_expression
        out["State"] = rule.state
        if rule.description is not None:
            out["Description"] = rule.description
        if rule.role_arn is not None:
            out["RoleArn"] = rule.role_arn
        if rule.managed_by is not None:
            out["ManagedBy"] = rule.managed_by
        out["EventBusName"] = rule.bus
        if not listed:
            out["CreatedBy"] = rule.created_by
        return out

    # -- operations ------------------------------------------------------------------
    async def put_rule(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        pattern_text, schedule = req.get("EventPattern"), req.get("ScheduleExpression")
        if pattern_text is None and schedule is None:
            raise ServiceError("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
        if pattern_text is not None:
            parse_pattern(pattern_text)  # InvalidEventPatternException with AWS's reason
        if schedule is not None:
            if bus != DEFAULT_BUS:
                raise ServiceError("ValidationException", "ScheduleExpression is supported only on the default event bus.")
            schedules.validate(schedule)
        state = req.get("State") or "ENABLED"
        tags = _tagging.from_list(req.get("Tags", []))
        _tagging.check_count(tags, too_many_tags_given)
        await self.buses.ensure_default_for(ctx)
        arn = rule_arn(ctx, bus, name)
        record = RuleRecord(ctx.account, ctx.region, bus, name, arn, pattern_text, schedule, state,
                            req.get("Description"), req.get("RoleArn"), None, ctx.account,
                            clock.now_ms())
        stored_now = record.created_at

        def put(s: Session) -> None:
            if s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            if s.event_rules.get(ctx.account, ctx.region, bus, name) is None:
                if s.event_rules.count(ctx.account, ctx.region, bus) >= self.rules_per_bus:
                    raise ServiceError("LimitExceededException",
                                       "The requested resource exceeds the maximum number allowed.")
            s.event_rules.put(record)
            stored = s.event_rules.get(ctx.account, ctx.region, bus, name)  # keeps its first creation time
            assert stored is not None
            s.event_rules.set_next_fire(arn, schedules.next_fire_ms(stored, stored_now))
            if tags:
                s.tags.put(arn, tags)
            s.event_rules.bump_version(ctx.account, ctx.region, bus)

        try:
            await self.store.write(put)
        except ConflictError:  # a concurrent PutRule of the same name: both mean the same rule
            await self.store.write(put)
        return {"RuleArn": arn}

    async def describe_rule(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        await self.buses.ensure_default_for(ctx)
        rule = await self.store.read(lambda s: rule_in(s, ctx, bus, req["Name"]))
        return self._describe_rule(rule)

    async def list_rules(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        await self.buses.ensure_default_for(ctx)

        def read(s: Session) -> list[RuleRecord]:
            if s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            return s.event_rules.list(ctx.account, ctx.region, bus, prefix=req.get("NamePrefix"), after=page.after,
                                      limit=page.read_limit)

        shown, token = page.cut(await self.store.read(read), lambda r: r.name)
        out: dict[str, Any] = {"Rules": [self._describe_rule(r, listed=True) for r in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def delete_rule(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        name = req["Name"]

        def delete(s: Session) -> None:
            rule = s.event_rules.get(ctx.account, ctx.region, bus, name)
            if rule is None:  # deleting a missing rule succeeds, as on AWS
                return
            if rule.managed_by is not None and not req.get("Force"):
                raise ServiceError("ManagedRuleException",
                                   f"Rule {name} is managed by {rule.managed_by} and cannot be deleted without Force.")
            if s.event_rules.targets(rule.arn):
                raise ServiceError("ValidationException", "Rule can't be deleted since it has targets.")
            s.event_rules.delete(rule.arn)
            s.tags.remove_all(rule.arn)
            s.event_rules.bump_version(ctx.account, ctx.region, bus)

        await self.store.write(delete)
        return None

    async def _set_state(self, ctx: RequestContext, req: dict[str, Any], state: str) -> None:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        await self.buses.ensure_default_for(ctx)

        def change(s: Session) -> None:
            rule = rule_in(s, ctx, bus, req["Name"])
            if rule.state != state:
                s.event_rules.set_state(rule.arn, state)
                if state != "DISABLED":  # resume from now, without the ticks missed while disabled
                    s.event_rules.set_next_fire(rule.arn, schedules.next_fire_ms(rule, clock.now_ms()))
                s.event_rules.bump_version(ctx.account, ctx.region, bus)

        await self.store.write(change)

    async def enable_rule(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self._set_state(ctx, req, "ENABLED")

    async def disable_rule(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self._set_state(ctx, req, "DISABLED")

    async def list_rule_names_by_target(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        await self.buses.ensure_default_for(ctx)

        def read(s: Session) -> list[str]:
            if s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            return s.event_rules.rules_by_target(ctx.account, ctx.region, bus, req["TargetArn"], after=page.after,
                                                 limit=page.read_limit)

        shown, token = page.cut(await self.store.read(read), str)
        out: dict[str, Any] = {"RuleNames": list(shown)}
        if token is not None:
            out["NextToken"] = token
        return out
