"""Event buses, their tags, and TestEventPattern."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import orjson

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.patterns import reference
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.parse import parse_pattern
from eventyard.services import _tagging
from eventyard.services._pagination import Page
from eventyard.services.events._base import (
    DEFAULT_BUS,
    MAX_BUSES,
    BusDirectory,
    _test_event,
    bus_arn,
    bus_name,
    bus_not_found,
    describe_bus,
    too_many_tags_given,
    too_many_tags_on_resource,
)
from eventyard.store import ConflictError, Session, Store
from eventyard.store.event_buses import EventBusRecord


class BusOperations:
    """Event buses: create, describe, update, list, delete; tags; TestEventPattern."""

    def __init__(self, store: Store, buses: BusDirectory) -> None:
        self.store = store
        self.buses = buses

    async def create_event_bus(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        source = req.get("EventSourceName")
        if source is not None and not source.startswith("aws.partner/"):
            raise ServiceError("ValidationException", f"Event source {source} is not valid.")
        if source is not None and name != source:
            raise ServiceError("ValidationException", "Event bus name must match the event source name for a partner event bus.")
        if source is None and "/" in name:
            raise ServiceError("ValidationException", "Event bus name must not contain '/'.")
        if source is not None:  # partner event sources are never created here, so none exists
            raise ServiceError("ResourceNotFoundException", f"Event source {source} does not exist.")
        tags = _tagging.from_list(req.get("Tags", []))
        _tagging.check_count(tags, too_many_tags_given)
        dlq = (req.get("DeadLetterConfig") or {}).get("Arn")
        await self.buses.ensure_default_for(ctx)
        now = clock.now_ms()
        log_config = orjson.dumps(req["LogConfig"]).decode() if req.get("LogConfig") else None
        record = EventBusRecord(ctx.account, ctx.region, name, bus_arn(ctx, name), req.get("Description"),
                                req.get("KmsKeyIdentifier"), dlq, None, log_config, now, now)

        def create(s: Session) -> None:
            if s.event_buses.get(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"Event bus {name} already exists.")
            count = len(s.event_buses.list(ctx.account, ctx.region, prefix=None, after=None, limit=MAX_BUSES + 1))
            if count >= MAX_BUSES:
                raise ServiceError("LimitExceededException", f"The requested resource exceeds the maximum number allowed ({MAX_BUSES} event buses).")
            s.event_buses.insert(record)
            if tags:
                s.tags.put(record.arn, tags)

        try:
            await self.store.write(create)
        except ConflictError:  # a concurrent create of the same name won the race
            raise ServiceError("ResourceAlreadyExistsException", f"Event bus {name} already exists.") from None
        out: dict[str, Any] = {"EventBusArn": record.arn}
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig"):
            if req.get(key) is not None:
                out[key] = req[key]
        return out

    async def describe_event_bus(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = bus_name(ctx, req.get("Name"))
        await self.buses.ensure_default_for(ctx)
        record = await self.store.read(lambda s: s.event_buses.get(ctx.account, ctx.region, name))
        if record is None:
            raise bus_not_found(name)
        return describe_bus(record)

    async def update_event_bus(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        """What is given replaces what the bus had; a KMS key left out falls back to an
        AWS owned key, as AWS documents; the rest left out stays."""
        name = bus_name(ctx, req.get("Name"))
        await self.buses.ensure_default_for(ctx)
        now = clock.now_ms()

        def update(s: Session) -> EventBusRecord:
            record = s.event_buses.get(ctx.account, ctx.region, name)
            if record is None:
                raise bus_not_found(name)
            dlq = req["DeadLetterConfig"].get("Arn") if req.get("DeadLetterConfig") is not None else record.dead_letter_arn
            log_config = orjson.dumps(req["LogConfig"]).decode() if req.get("LogConfig") is not None else record.log_config
            updated = replace(record, description=req.get("Description", record.description),
                              kms_key_identifier=req.get("KmsKeyIdentifier"), dead_letter_arn=dlq,
                              log_config=log_config, modified_at=now)
            s.event_buses.update_settings(updated)
            return updated

        record = await self.store.write(update)
        out: dict[str, Any] = {"Arn": record.arn, "Name": record.name}
        described = describe_bus(record)
        for key in ("KmsKeyIdentifier", "Description", "DeadLetterConfig", "LogConfig"):
            if key in described:
                out[key] = described[key]
        return out

    async def list_event_buses(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), req.get("Limit") or MAX_BUSES)
        prefix = req.get("NamePrefix")
        await self.buses.ensure_default_for(ctx)
        found = await self.store.read(
            lambda s: s.event_buses.list(ctx.account, ctx.region, prefix=prefix, after=page.after,
                                         limit=page.read_limit)
        )
        shown, token = page.cut(found, lambda r: r.name)
        out: dict[str, Any] = {"EventBuses": [describe_bus(r, brief=True) for r in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def delete_event_bus(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        name = bus_name(ctx, req["Name"])
        if name == DEFAULT_BUS:
            raise ServiceError("ValidationException", "Cannot delete event bus default.")

        def delete(s: Session) -> None:
            record = s.event_buses.get(ctx.account, ctx.region, name)
            if record is not None:  # deleting a missing bus succeeds, as on AWS
                # AWS refuses while the bus has rules (seen on AWS: "EventBus can't be
                # deleted since it has rules."); the rules it manages itself for archives go
                # with the bus
                if any(r.managed_by is None for r in s.event_rules.all_of_bus(ctx.account, ctx.region, name)):
                    raise ServiceError("ValidationException", "EventBus can't be deleted since it has rules.")
                s.event_buses.delete(ctx.account, ctx.region, name)
                s.event_rules.delete_bus(ctx.account, ctx.region, name)
                s.tags.remove_all(record.arn)

        await self.store.write(delete)
        return None

    # -- patterns ----------------------------------------------------------
    async def test_event_pattern(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        pattern = parse_pattern(req["EventPattern"])
        event = _test_event(req["Event"])
        return {"Result": reference.matches(pattern, flatten(event))}

    # -- tags --------------------------------------------------------------
    async def _tag_target(self, ctx: RequestContext, arn_text: str) -> Callable[[Session], str]:
        """A lookup, to run in the unit of work, of the taggable resource (an event bus or
        a rule) that ``arn_text`` names: its stored ARN, or AWS's not-found error."""
        arn = arns.parse(arn_text)
        if arn is None or arn.service != "events":
            raise ServiceError("ValidationException", f"Parameter ResourceARN is not valid. Reason: {arn_text} is not an EventBridge ARN.")
        if arn.resource_type == "rule":
            parts = arn.resource_id.split("/")
            bus, name = (DEFAULT_BUS, parts[0]) if len(parts) == 1 else (parts[0], "/".join(parts[1:]))
            if arn.account != ctx.account or arn.region != ctx.region:
                raise ServiceError("ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus}.")
            await self.buses.ensure_default_for(ctx)

            def rule(s: Session) -> str:
                found = s.event_rules.get(ctx.account, ctx.region, bus, name)
                if found is None:
                    raise ServiceError("ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus}.")
                return found.arn

            return rule
        if arn.resource_type != "event-bus":
            raise ServiceError("ResourceNotFoundException", f"Resource {arn_text} does not exist.")
        if arn.account != ctx.account or arn.region != ctx.region:
            raise bus_not_found(arn.resource_id)
        await self.buses.ensure_default_for(ctx)
        name = arn.resource_id

        def event_bus(s: Session) -> str:
            record = s.event_buses.get(ctx.account, ctx.region, name)
            if record is None:
                raise bus_not_found(name)
            return record.arn

        return event_bus

    async def tag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        find = await self._tag_target(ctx, req["ResourceARN"])
        tags = _tagging.from_list(req["Tags"])
        await self.store.write(lambda s: _tagging.add(s, find(s), tags, too_many_tags_on_resource))
        return {}

    async def untag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        find = await self._tag_target(ctx, req["ResourceARN"])
        keys = list(req["TagKeys"])
        await self.store.write(lambda s: _tagging.remove(s, find(s), keys))
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        find = await self._tag_target(ctx, req["ResourceARN"])
        found = await self.store.read(lambda s: _tagging.of(s, find(s)))
        return {"Tags": _tagging.as_list(found)}
