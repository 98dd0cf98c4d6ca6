"""Replays: StartReplay, DescribeReplay, ListReplays, CancelReplay, and the replayer.

A replay sends an archive's events from a time window (of the events' own ``time``, in that
order, as AWS does) back to
the archive's bus, to all its rules or to the rules in ``Destination.FilterArns``, through
the ordinary delivery path, each event carrying a top-level ``replay-name``. Rules match
replayed events like any other (a rule can leave them out with
``"replay-name": [{"exists": false}]``, as archives' managed rules do).

Every node runs ``step_replays`` on a timer. A step takes one batch of a replay's events
after its cursor, routes them, and moves the cursor, all in one transaction (replays
locked with SKIP LOCKED on PostgreSQL), so a restart resumes where the last step ended
and no event is replayed twice by two nodes. States: STARTING (accepted) -> RUNNING (the
first batch went out) -> COMPLETED; CancelReplay moves STARTING/RUNNING to CANCELLING,
and the next step to CANCELLED.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services._pagination import Page
from eventyard.services.events._base import DEFAULT_BUS, BusDirectory, bus_not_found
from eventyard.services.events.put_events import EventRouter, Ingest
from eventyard.services.events.rules import rule_arn, rule_not_found
from eventyard.store import ConflictError, Session, Store
from eventyard.store.event_replays import ReplayRecord

LIST_LIMIT = 100
REPLAY_BATCH = int(os.environ.get("EVENTYARD_EVENTS_REPLAY_BATCH", "100"))
REPLAY_TICK_SECONDS = float(os.environ.get("EVENTYARD_EVENTS_REPLAY_TICK_SECONDS", "1.0"))
REPLAY_BATCHES_PER_TICK = int(os.environ.get("EVENTYARD_EVENTS_REPLAY_BATCHES_PER_TICK", "20"))
_REPLAYS_PER_STEP = 10


def replay_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Replay {name} does not exist.")


def _ms(value: datetime | float | int) -> int:
    """A replay window bound in epoch ms, to the second (events carry times to the second)."""
    seconds = value.timestamp() if isinstance(value, datetime) else float(value)
    return int(seconds // 1) * 1000


def _archive_name(ctx: RequestContext, source_arn: str) -> str:
    arn = arns.parse(source_arn)
    if (arn is None or arn.service != "events" or arn.resource_type != "archive" or not arn.resource_id
            or "/" in arn.resource_id):
        raise ServiceError("ValidationException", "Parameter EventSourceArn is not valid. Reason: Must contain an archive ARN.")
    if arn.account != ctx.account or arn.region != ctx.region:
        raise ServiceError("ValidationException",
                           f"Parameter EventSourceArn is not valid. Reason: Archive {arn.resource_id} does not exist.")
    return arn.resource_id


def _rule_of(arn_text: str) -> tuple[str, str] | None:
    """(bus, rule name) of a rule ARN, ``None`` if it is not one."""
    arn = arns.parse(arn_text)
    if arn is None or arn.service != "events" or arn.resource_type != "rule":
        return None
    parts = arn.resource_id.split("/")
    if len(parts) == 1:
        return DEFAULT_BUS, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


class ReplayOperations:
    """Replays: start, describe, list, cancel; ``step_replays`` sends archived events on
    through ``router``."""

    def __init__(self, store: Store, buses: BusDirectory, router: EventRouter) -> None:
        self.store = store
        self.buses = buses
        self.router = router

    @staticmethod
    def _describe_replay(r: ReplayRecord, *, listed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ReplayName": r.name}
        if not listed:
            out["ReplayArn"] = r.arn
            if r.description is not None:
                out["Description"] = r.description
        out["State"] = r.state
        if r.state_reason is not None:
            out["StateReason"] = r.state_reason
        out["EventSourceArn"] = r.archive_arn
        if not listed:
            out["Destination"] = r.destination
        out["EventStartTime"] = r.event_start / 1000
        out["EventEndTime"] = r.event_end / 1000
        if r.last_replayed is not None:
            out["EventLastReplayedTime"] = r.last_replayed / 1000
        out["ReplayStartTime"] = r.replay_start / 1000  # stored in ms, answered in seconds
        if r.replay_end is not None:
            out["ReplayEndTime"] = r.replay_end / 1000
        return out

    # -- operations ------------------------------------------------------------------
    async def start_replay(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["ReplayName"]
        archive_name = _archive_name(ctx, req["EventSourceArn"])
        destination: dict[str, Any] = req["Destination"]
        dest = arns.parse(destination["Arn"])
        if dest is None or dest.service != "events" or dest.resource_type != "event-bus" or not dest.resource_id:
            raise ServiceError("ValidationException", "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN.")
        start, end = _ms(req["EventStartTime"]), _ms(req["EventEndTime"])
        if start >= end:
            raise ServiceError("ValidationException",
                               "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
        filters: list[str] = list(destination.get("FilterArns") or [])
        await self.buses.ensure_default_for(ctx)
        now = clock.now_ms()
        kept_destination: dict[str, Any] = {"Arn": destination["Arn"]}
        if filters:
            kept_destination["FilterArns"] = filters
        record = ReplayRecord(ctx.account, ctx.region, name, arns.build("events", ctx.region, ctx.account, f"replay/{name}"),
                              req["EventSourceArn"], req.get("Description"), kept_destination, start, end, "STARTING",
                              None, now, None, None, 0)

        def begin(s: Session) -> None:
            if s.event_replays.get(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"Replay {name} already exists.")
            archive = s.event_archives.get(ctx.account, ctx.region, archive_name)
            if archive is None:
                raise ServiceError("ValidationException",
                                   f"Parameter EventSourceArn is not valid. Reason: Archive {archive_name} does not exist.")
            if destination["Arn"] != archive.source_arn:
                if (dest.account == ctx.account and dest.region == ctx.region
                        and s.event_buses.get(ctx.account, ctx.region, dest.resource_id) is not None):
                    raise ServiceError("ValidationException",
                                       "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
                raise bus_not_found(dest.resource_id)
            bus = dest.resource_id
            if s.event_buses.get(ctx.account, ctx.region, bus) is None:
                raise bus_not_found(bus)
            for arn_text in filters:
                found = _rule_of(arn_text)
                if found is None or found[0] != bus or rule_arn(ctx, bus, found[1]) != arn_text:
                    raise ServiceError("ValidationException",
                                       "Parameter Destination.FilterArns is not valid. Reason: Rule must be on the destination event bus.")
                if s.event_rules.get(ctx.account, ctx.region, bus, found[1]) is None:
                    raise rule_not_found(found[1], bus)
            s.event_replays.insert(record)

        try:
            await self.store.write(begin)
        except ConflictError:
            raise ServiceError("ResourceAlreadyExistsException", f"Replay {name} already exists.") from None
        return {"ReplayArn": record.arn, "State": record.state, "ReplayStartTime": record.replay_start / 1000}

    async def describe_replay(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["ReplayName"]
        found = await self.store.read(lambda s: s.event_replays.get(ctx.account, ctx.region, name))
        if found is None:
            raise replay_not_found(name)
        return self._describe_replay(found)

    async def list_replays(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        prefix, source, state = req.get("NamePrefix"), req.get("EventSourceArn"), req.get("State")
        if sum(v is not None for v in (prefix, source, state)) > 1:
            raise ServiceError("ValidationException",
                               "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.")
        if source is not None:
            _archive_name(ctx, source)
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        found = await self.store.read(lambda s: s.event_replays.list(
            ctx.account, ctx.region, prefix=prefix, archive_arn=source, state=state, after=page.after,
            limit=page.read_limit))
        shown, token = page.cut(found, lambda r: r.name)
        out: dict[str, Any] = {"Replays": [self._describe_replay(r, listed=True) for r in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def cancel_replay(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["ReplayName"]

        def cancel(s: Session) -> ReplayRecord:
            found = s.event_replays.get(ctx.account, ctx.region, name)
            if found is None:
                raise replay_not_found(name)
            if found.state not in ("STARTING", "RUNNING"):
                raise ServiceError("IllegalStatusException", f"Replay {name} is not in a valid state for this operation.")
            s.event_replays.set_state(found.arn, "CANCELLING")
            return found

        found = await self.store.write(cancel)
        return {"ReplayArn": found.arn, "State": "CANCELLING"}

    # -- the replayer --------------------------------------------------------------------
    async def step_replays(self) -> int:
        """Move every active replay on by up to ``REPLAY_BATCHES_PER_TICK`` batches; how
        many events went out."""
        total = 0
        for _ in range(REPLAY_BATCHES_PER_TICK):
            done, sent, more = await self.store.write(self._replay_step)
            self.router.after_ingest(done)
            total += sent
            if not more:
                break
        return total

    def _replay_step(self, s: Session) -> tuple[Ingest, int, bool]:
        """One batch of each active replay, in one unit of work: (what it routed, events
        sent, whether any replay has more to do)."""
        now_ms = clock.now_ms()
        done, sent, more = Ingest(ingested_at=now_ms), 0, False
        for replay in s.event_replays.active(_REPLAYS_PER_STEP):
            if replay.state == "CANCELLING":
                s.event_replays.set_state(replay.arn, "CANCELLED", ended_at=clock.now_ms())
                continue
            dest = arns.parse(replay.destination["Arn"])
            assert dest is not None
            rules = self.router.rule_cache.get(s, replay.account_id, replay.region, dest.resource_id)
            if rules is None:
                s.event_replays.set_state(replay.arn, "FAILED", reason=f"Event bus {dest.resource_id} does not exist.",
                                          ended_at=clock.now_ms())
                continue
            batch = s.event_archives.events_after(replay.archive_arn, replay.position, start=replay.event_start,
                                                  end=replay.event_end, limit=REPLAY_BATCH)
            only = set(replay.destination.get("FilterArns") or ()) or None
            bus = str(replay.destination["Arn"])
            for archived in batch:
                event = {**archived.event, "replay-name": replay.name}
                self.router.match_and_route(s, done, rules, bus, event, only, now_ms)
                sent += 1
            if batch:
                s.event_replays.advance(replay.arn, cursor=batch[-1].id, last_replayed=batch[-1].event_time,
                                        state="RUNNING")
            if len(batch) == REPLAY_BATCH:
                more = True
            else:
                s.event_replays.set_state(replay.arn, "COMPLETED", ended_at=clock.now_ms())
        self.router.write_queues(s, done, now_ms)
        return done, sent, more

