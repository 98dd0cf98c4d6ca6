"""Archives: CreateArchive, DescribeArchive, ListArchives, UpdateArchive, DeleteArchive,
and the sweep that drops events past an archive's retention.

An archive keeps the events its bus accepts that match its pattern (all of them without
one), except replayed events: PutEvents stores them in the transaction that accepts them,
through the archive's managed rule (``_archive_rules``). Deleting the bus deletes its
rules, the archive's managed rule among them, but not the archive: it keeps its events
and can still be replayed, as on AWS, once a bus of that name exists again.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.patterns.parse import parse_pattern
from eventyard.services._pagination import Page
from eventyard.services.events import _archive_rules
from eventyard.services.events._base import BusDirectory, bus_not_found
from eventyard.services.events.rules import rule_arn
from eventyard.store import ConflictError, Session, Store
from eventyard.store.event_archives import ArchivedEvent, ArchiveRecord
from eventyard.store.event_rules import RuleRecord

LIST_LIMIT = 100
BROWSE_LIMIT = 100  # archived events per page of the console
DAY_MS = 86_400_000
SWEEP_SECONDS = float(os.environ.get("EVENTYARD_EVENTS_ARCHIVE_SWEEP_SECONDS", "60"))
_SWEEP_BATCH = 5_000


def archive_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Archive {name} does not exist.")


def _bus_of(archive: ArchiveRecord) -> str:
    """The name of the bus whose events ``archive`` keeps (its source ARN was checked when
    the archive was made)."""
    source = arns.parse(archive.source_arn)
    assert source is not None, archive.source_arn
    return source.resource_id


class ArchiveOperations:
    """Archives: create, describe, update, list, delete, and the sweep of expired events."""

    def __init__(self, store: Store, buses: BusDirectory) -> None:
        self.store = store
        self.buses = buses

    def _source_bus(self, ctx: RequestContext, source_arn: str, field: str = "EventSourceArn") -> str:
        """The name of this account's bus that ``source_arn`` names."""
        arn = arns.parse(source_arn)
        if arn is None or arn.service != "events" or arn.resource_type != "event-bus" or not arn.resource_id:
            raise ServiceError("ValidationException", f"Parameter {field} is not valid. Reason: Provided Arn is not in correct format.")
        if arn.account != ctx.account or arn.region != ctx.region:
            raise bus_not_found(arn.resource_id)
        return arn.resource_id

    @staticmethod
    def _managed_rule(ctx: RequestContext, bus: str, archive: ArchiveRecord) -> RuleRecord:
        name = _archive_rules.rule_name(archive.name)
        return RuleRecord(ctx.account, ctx.region, bus, name, rule_arn(ctx, bus, name),
                          _archive_rules.rule_pattern(archive.event_pattern), None, "ENABLED", None, None,
                          _archive_rules.MANAGED_BY, ctx.account, clock.now_ms())

    @staticmethod
    def _describe_archive(a: ArchiveRecord, stats: tuple[int, int], *, listed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ArchiveName": a.name, "EventSourceArn": a.source_arn}
        if not listed:
            out = {"ArchiveArn": a.arn, **out}
            if a.description is not None:
                out["Description"] = a.description
            if a.event_pattern is not None:
                out["EventPattern"] = a.event_pattern
            if a.kms_key_identifier is not None:
                out["KmsKeyIdentifier"] = a.kms_key_identifier
        out["State"] = a.state
        if a.state_reason is not None:
            out["StateReason"] = a.state_reason
        out["RetentionDays"] = a.retention_days
        out["SizeBytes"], out["EventCount"] = stats[1], stats[0]
        out["CreationTime"] = a.created_at / 1000  # stored in ms, answered in seconds
        return out

    # -- operations ------------------------------------------------------------------
    async def create_archive(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["ArchiveName"]
        bus = self._source_bus(ctx, req["EventSourceArn"])
        pattern = req.get("EventPattern")
        if pattern is not None:
            parse_pattern(pattern)  # InvalidEventPatternException with AWS's reason
        await self.buses.ensure_default_for(ctx)
        record = ArchiveRecord(ctx.account, ctx.region, name, _archive_rules.archive_arn(ctx.region, ctx.account, name),
                               req["EventSourceArn"], req.get("Description"), pattern,
                               int(req.get("RetentionDays") or 0), req.get("KmsKeyIdentifier"), "ENABLED", None,
                               clock.now_ms())

        def create(s: Session) -> None:
            if s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            if s.event_archives.get(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"Archive {name} already exists.")
            rule = self._managed_rule(ctx, bus, record)
            if s.event_rules.get(ctx.account, ctx.region, bus, rule.name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"Rule {rule.name} already exists.")
            s.event_archives.insert(record)
            s.event_rules.put(rule)
            s.event_rules.put_targets(rule.arn, [_archive_rules.archive_target(ctx.region, name, record.arn)])
            s.event_rules.bump_version(ctx.account, ctx.region, bus)

        try:
            await self.store.write(create)
        except ConflictError:  # a concurrent create of the same name won the race
            raise ServiceError("ResourceAlreadyExistsException", f"Archive {name} already exists.") from None
        return {"ArchiveArn": record.arn, "State": record.state, "CreationTime": record.created_at / 1000}

    async def describe_archive(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["ArchiveName"]

        def read(s: Session) -> tuple[ArchiveRecord, tuple[int, int]]:
            found = s.event_archives.get(ctx.account, ctx.region, name)
            if found is None:
                raise archive_not_found(name)
            return found, s.event_archives.stats([found.arn]).get(found.arn, (0, 0))

        archive, stats = await self.store.read(read)
        return self._describe_archive(archive, stats)

    async def browse_events(self, ctx: RequestContext, name: str, *, containing: str | None = None,
                            before: int | None = None, limit: int = 20) -> tuple[list[ArchivedEvent], int | None]:
        """An archive's events, newest first, for the console (AWS has no operation that
        reads them): up to ``limit`` before the cursor ``before``, and the next cursor."""
        limit = max(1, min(limit, BROWSE_LIMIT))

        def read(s: Session) -> list[ArchivedEvent]:
            found = s.event_archives.get(ctx.account, ctx.region, name)
            if found is None:
                raise archive_not_found(name)
            return s.event_archives.browse(found.arn, containing=containing or None, before_id=before, limit=limit + 1)

        rows = await self.store.read(read)
        return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)

    async def list_archives(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        prefix, source, state = req.get("NamePrefix"), req.get("EventSourceArn"), req.get("State")
        if sum(v is not None for v in (prefix, source, state)) > 1:
            raise ServiceError("ValidationException",
                               "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.")
        bus = self._source_bus(ctx, source) if source is not None else None
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        await self.buses.ensure_default_for(ctx)

        def read(s: Session) -> tuple[list[ArchiveRecord], dict[str, tuple[int, int]]]:
            if bus is not None and s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            found = s.event_archives.list(ctx.account, ctx.region, prefix=prefix, source_arn=source, state=state,
                                          after=page.after, limit=page.read_limit)
            return found, s.event_archives.stats([a.arn for a in found[:page.size]])

        found, stats = await self.store.read(read)
        shown, token = page.cut(found, lambda a: a.name)
        out: dict[str, Any] = {
            "Archives": [self._describe_archive(a, stats.get(a.arn, (0, 0)), listed=True) for a in shown]
        }
        if token is not None:
            out["NextToken"] = token
        return out

    async def update_archive(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["ArchiveName"]
        pattern = req.get("EventPattern")
        if pattern is not None:
            parse_pattern(pattern)

        def update(s: Session) -> ArchiveRecord:
            found = s.event_archives.get(ctx.account, ctx.region, name)
            if found is None:
                raise archive_not_found(name)
            # what the request leaves out stays as it was
            description = req["Description"] if "Description" in req else found.description
            new_pattern = pattern if pattern is not None else found.event_pattern
            retention = int(req["RetentionDays"]) if req.get("RetentionDays") is not None else found.retention_days
            kms = req["KmsKeyIdentifier"] if "KmsKeyIdentifier" in req else found.kms_key_identifier
            s.event_archives.update(found.arn, description=description, event_pattern=new_pattern,
                                    retention_days=retention, kms_key_identifier=kms)
            if new_pattern != found.event_pattern:
                bus = _bus_of(found)
                rule = s.event_rules.get(ctx.account, ctx.region, bus, _archive_rules.rule_name(name))
                if rule is not None:  # gone with its bus: nothing feeds the archive any more
                    s.event_rules.put(self._managed_rule(ctx, bus, replace(found, event_pattern=new_pattern)))
                    s.event_rules.bump_version(ctx.account, ctx.region, bus)
            return found

        found = await self.store.write(update)
        return {"ArchiveArn": found.arn, "State": found.state, "CreationTime": found.created_at / 1000}

    async def delete_archive(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["ArchiveName"]

        def delete(s: Session) -> None:
            found = s.event_archives.get(ctx.account, ctx.region, name)
            if found is None:
                raise archive_not_found(name)
            bus = _bus_of(found)
            rule = s.event_rules.get(ctx.account, ctx.region, bus, _archive_rules.rule_name(name))
            if rule is not None:
                s.event_rules.delete(rule.arn)
                s.event_rules.bump_version(ctx.account, ctx.region, bus)
            s.event_archives.delete(found.arn)

        await self.store.write(delete)
        return {}

    # -- retention ---------------------------------------------------------------------
    async def sweep_archives(self) -> int:
        """Drop archived events older than their archive's retention; how many. Each pass
        is a short transaction of at most ``_SWEEP_BATCH`` events per archive."""
        total = 0
        while True:
            now = clock.now_ms()

            def sweep(s: Session) -> tuple[int, bool]:
                dropped, more = 0, False
                for arn, days in s.event_archives.with_retention():
                    gone = s.event_archives.expire(arn, now - days * DAY_MS, _SWEEP_BATCH)
                    dropped += gone
                    more = more or gone == _SWEEP_BATCH
                return dropped, more

            dropped, more = await self.store.write(sweep)
            total += dropped
            if not more:
                return total
