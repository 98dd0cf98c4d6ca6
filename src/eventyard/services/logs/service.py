"""Amazon CloudWatch Logs: one method per operation (declared in ``OPERATIONS`` below).

Log groups live in the caller's account and region, named by name or (where the
operation takes ``logGroupIdentifier`` or ``resourceArn``) by ARN; another account's
group is not found. Events are read back in (timestamp, arrival) order:
``GetLogEvents`` pages a stream forwards and backwards with ``f/``/``b/`` tokens that
name the last event seen (an empty page hands the caller's token back, which is how
clients know they are at the end); ``FilterLogEvents`` interleaves the group's streams
and filters with ``core.logs_filter``. A group's retention hides older events at once
and a sweep (``RetentionSweep``) deletes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.logs_filter import FilterPatternError, compile_extractor, compile_filter
from eventyard.runtime.timers import Timers
from eventyard.services import _tagging
from eventyard.services._operations import OperationTable
from eventyard.services._pagination import Page, decode_token, encode_token
from eventyard.services.logs import ingest
from eventyard.services.logs.names import (
    GroupRef,
    group_arn,
    group_not_found,
    group_of,
    invalid,
    parse_group_arn,
    stream_arn,
    stream_not_found,
)
from eventyard.services.logs.sink import StoreLogSink
from eventyard.store import ConflictError, Session, Store
from eventyard.store.logs import LogGroupRecord, LogStreamRecord, StoredLogEvent

T = TypeVar("T")

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_BATCH_BYTES = 1_048_576
MAX_EVENTS = 10_000
MAX_READ_BYTES = 1_048_576
TOO_OLD_MS = 14 * DAY_MS  # PutLogEvents refuses events older than this (or the retention)
TOO_NEW_MS = 2 * HOUR_MS  # ... and events further in the future than this
MAX_SPAN_MS = DAY_MS
FILTER_SCAN_ROWS = 50_000  # rows one FilterLogEvents call reads before it answers with a nextToken
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
SWEEP_SECONDS = 60.0

_KEY_DIGITS = 56  # AWS's tokens and event ids are 56 digits
_TOKEN = re.compile(r"([fb])/(\d{56})")
_NOT_MUTUALLY_EXCLUSIVE = "LogGroup name and LogGroup ARN are mutually exclusive parameters."


def _key_text(key: tuple[int, int]) -> str:
    return f"{key[0]:020d}{key[1]:036d}"


def _key_of(text: str) -> tuple[int, int]:
    return int(text[:20]), int(text[20:])


def _retention_start(group: LogGroupRecord, start_ms: int | None, now: int) -> int | None:
    """Where reading starts once the group's retention has hidden older events."""
    if group.retention_days is None:
        return start_ms
    cutoff = now - group.retention_days * DAY_MS
    return cutoff if start_ms is None else max(start_ms, cutoff)


def _tags_of(given: dict[str, str], *, too_many: Callable[[], ServiceError]) -> dict[str, str]:
    tags = dict(given)
    _tagging.check_count(tags, too_many)
    _tagging.check_keys_and_values(
        tags,
        bad_key=lambda k: invalid(f"Invalid tag key: {k}"),
        bad_value=lambda v: invalid(f"Invalid tag value: {v}"),
        reserved_key=lambda k: invalid(f"Tag keys may not start with aws: ({k})"))
    return tags


def _too_many_tags() -> ServiceError:
    return ServiceError("TooManyTagsException", f"A resource can have no more than {_tagging.MAX_TAGS} tags.")


class RetentionSweep:
    """Deletes events their group's retention no longer keeps (reads hide them already)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run_once(self) -> None:
        now = clock.now_ms()
        kept = await self.store.read(lambda s: s.logs.groups_with_retention())
        if not kept:
            return  # no write unit at all on a store without retention policies

        def sweep(s: Session) -> None:
            for group in kept:
                assert group.retention_days is not None
                s.logs.expire(group.id, now - group.retention_days * DAY_MS)

        await self.store.write(sweep)


class LogsService:
    def __init__(self, store: Store, timers: Timers | None = None) -> None:
        self.store = store
        # how other services write their logs (a function's lines), flushed before every read
        # here so that this node reads its own writes
        self.sink = StoreLogSink(store)
        self.retention = RetentionSweep(store)
        if timers is not None:
            timers.every(SWEEP_SECONDS, "logs-retention", self.retention.run_once)

    # -- finding things ------------------------------------------------------------------
    @staticmethod
    def _group(s: Session, ref: GroupRef) -> LogGroupRecord:
        group = s.logs.group(ref.account, ref.region, ref.name)
        if group is None:
            raise group_not_found()
        return group

    @staticmethod
    def _ref(ctx: RequestContext, req: dict[str, Any], *, required: bool = True) -> GroupRef:
        """The group a request names by ``logGroupName`` or ``logGroupIdentifier``; only
        the caller's own account and region hold it."""
        name, identifier = req.get("logGroupName"), req.get("logGroupIdentifier")
        if name is not None and identifier is not None:
            raise ServiceError("ValidationException", _NOT_MUTUALLY_EXCLUSIVE)
        if name is None and identifier is None:
            raise invalid("Either logGroupName or logGroupIdentifier must be specified.")
        ref = group_of(str(identifier), ctx.account, ctx.region) if identifier is not None else \
            GroupRef(ctx.account, ctx.region, str(name))
        if (ref.account, ref.region) != (ctx.account, ctx.region):
            raise group_not_found()
        return ref

    @staticmethod
    def _arn_ref(ctx: RequestContext, arn: str) -> GroupRef:
        ref = parse_group_arn(arn)
        if ref is None:
            raise invalid(f"Invalid resource ARN: {arn}")
        if (ref.account, ref.region) != (ctx.account, ctx.region):
            raise group_not_found()
        return ref

    # -- log groups ----------------------------------------------------------------------
    async def create_log_group(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        name: str = req["logGroupName"]
        tags = _tags_of(req.get("tags") or {}, too_many=lambda: invalid(
            f"A log group can have no more than {_tagging.MAX_TAGS} tags."))
        now = clock.now_ms()

        def create(s: Session) -> None:
            if s.logs.group(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists")
            s.logs.insert_group(ctx.account, ctx.region, name, now, kms_key_id=req.get("kmsKeyId") or None,
                                log_group_class=req.get("logGroupClass") or ingest.DEFAULT_CLASS,
                                deletion_protection=bool(req.get("deletionProtectionEnabled")))
            if tags:
                s.tags.put(group_arn(ctx.region, ctx.account, name), tags)

        try:
            await self.store.write(create)
        except ConflictError:
            raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists") from None

    async def delete_log_group(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        name: str = req["logGroupName"]

        def delete(s: Session) -> None:
            group = self._group(s, GroupRef(ctx.account, ctx.region, name))
            if group.deletion_protection:
                raise ServiceError("ValidationException",
                                   "Log group deletion protection is enabled. Disable it before deleting the log"
                                   " group.")
            s.logs.delete_group(group.id)
            s.tags.remove_all(group_arn(ctx.region, ctx.account, name))

        await self.store.write(delete)

    async def put_log_group_deletion_protection(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = group_of(req["logGroupIdentifier"], ctx.account, ctx.region)
        if (ref.account, ref.region) != (ctx.account, ctx.region):
            raise group_not_found()

        def put(s: Session) -> None:
            s.logs.set_deletion_protection(self._group(s, ref).id, bool(req["deletionProtectionEnabled"]))

        await self.store.write(put)

    @staticmethod
    def _described_group(group: LogGroupRecord, *, by_pattern: bool = False) -> dict[str, Any]:
        arn = group_arn(group.region, group.account_id, group.name)
        out: dict[str, Any] = {"logGroupName": group.name, "creationTime": group.created_ms}
        if group.retention_days is not None:
            out["retentionInDays"] = group.retention_days
        out["metricFilterCount"] = 0
        out["arn"] = f"{arn}:*"
        if not by_pattern:  # AWS's answers to a pattern search leave these out (recorded)
            out["storedBytes"] = group.stored_bytes
        if group.kms_key_id:
            out["kmsKeyId"] = group.kms_key_id
        out["logGroupClass"] = group.log_group_class
        out["logGroupArn"] = arn
        if not by_pattern:
            out["deletionProtectionEnabled"] = group.deletion_protection
        return out

    async def describe_log_groups(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self.sink.flush()
        prefix, pattern = req.get("logGroupNamePrefix"), req.get("logGroupNamePattern")
        if prefix is not None and pattern is not None:
            raise invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        identifiers: list[str] | None = req.get("logGroupIdentifiers")
        page = Page(req.get("nextToken"), req.get("limit") or 50, error_code="InvalidParameterException",
                    message="The specified nextToken is invalid.")
        wanted_class = req.get("logGroupClass")

        def listing(s: Session) -> list[LogGroupRecord]:
            if identifiers is not None or pattern or wanted_class:
                found = s.logs.groups(ctx.account, ctx.region, prefix=prefix)
                if identifiers is not None:
                    names = {group_of(i, ctx.account, ctx.region).name for i in identifiers}
                    found = [g for g in found if g.name in names]
                if pattern:
                    found = [g for g in found if pattern in g.name]
                if wanted_class:
                    found = [g for g in found if g.log_group_class == wanted_class]
                return [g for g in found if page.after is None or g.name > page.after][:page.read_limit]
            return s.logs.groups(ctx.account, ctx.region, prefix=prefix, after=page.after, limit=page.read_limit)

        found = await self.store.read(listing)
        shown, token = page.cut(found, lambda g: g.name)
        out: dict[str, Any] = {"logGroups": [self._described_group(g, by_pattern=bool(pattern)) for g in shown]}
        if token is not None:
            out["nextToken"] = token
        return out

    async def list_log_groups(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self.sink.flush()
        pattern, wanted_class = req.get("logGroupNamePattern"), req.get("logGroupClass")
        page = Page(req.get("nextToken"), req.get("limit") or 50, error_code="InvalidParameterException",
                    message="The specified nextToken is invalid.")

        def listing(s: Session) -> list[LogGroupRecord]:
            found = s.logs.groups(ctx.account, ctx.region, after=page.after)
            found = [g for g in found if (not pattern or re.search(pattern, g.name))
                     and (not wanted_class or g.log_group_class == wanted_class)]
            return found[:page.read_limit]

        try:
            found = await self.store.read(listing)
        except re.error:
            raise invalid(f"Invalid logGroupNamePattern: {pattern}") from None
        shown, token = page.cut(found, lambda g: g.name)
        out: dict[str, Any] = {"logGroups": [
            {"logGroupName": g.name, "logGroupArn": group_arn(g.region, g.account_id, g.name),
             "logGroupClass": g.log_group_class} for g in shown]}
        if token is not None:
            out["nextToken"] = token
        return out

    async def put_retention_policy(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        days = req["retentionInDays"]
        if days not in RETENTION_DAYS:
            raise invalid(f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy"
                          f" constraint: Member must satisfy enum value set: [{', '.join(map(str, RETENTION_DAYS))}]")

        def put(s: Session) -> None:
            group = self._group(s, GroupRef(ctx.account, ctx.region, req["logGroupName"]))
            s.logs.set_retention(group.id, days)

        await self.store.write(put)

    async def delete_retention_policy(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            group = self._group(s, GroupRef(ctx.account, ctx.region, req["logGroupName"]))
            s.logs.set_retention(group.id, None)

        await self.store.write(delete)

    # -- log streams ---------------------------------------------------------------------
    async def create_log_stream(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        if "\x00" in req["logStreamName"]:
            raise invalid("Invalid log stream name: it may not contain the character U+0000.")
        now = clock.now_ms()

        def create(s: Session) -> None:
            group = self._group(s, GroupRef(ctx.account, ctx.region, req["logGroupName"]))
            if s.logs.stream(group.id, req["logStreamName"]) is not None:
                raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists")
            s.logs.insert_stream(group.id, req["logStreamName"], now)

        try:
            await self.store.write(create)
        except ConflictError:
            raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists") from None

    async def delete_log_stream(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        def delete(s: Session) -> None:
            group = self._group(s, GroupRef(ctx.account, ctx.region, req["logGroupName"]))
            stream = s.logs.stream(group.id, req["logStreamName"])
            if stream is None:
                raise stream_not_found()
            s.logs.delete_stream(stream.id)

        await self.store.write(delete)

    async def describe_log_streams(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self.sink.flush()
        ref = self._ref(ctx, req)
        order_by = req.get("orderBy") or "LogStreamName"
        prefix = req.get("logStreamNamePrefix")
        if order_by == "LastEventTime" and prefix is not None:
            raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        descending = bool(req.get("descending"))
        size = req.get("limit") or 50
        token = req.get("nextToken")
        offset = 0
        if token:
            try:
                offset = int(decode_token(token, error_code="InvalidParameterException",
                                          message="The specified nextToken is invalid."))
            except ValueError:
                raise invalid("The specified nextToken is invalid.") from None

        def listing(s: Session) -> tuple[LogGroupRecord, list[LogStreamRecord]]:
            group = self._group(s, ref)
            return group, s.logs.streams(group.id, prefix=prefix)

        group, streams = await self.store.read(listing)
        if order_by == "LastEventTime":
            streams.sort(key=lambda st: (st.last_event_ms or 0, st.name), reverse=descending)
        elif descending:
            streams.reverse()
        shown = streams[offset:offset + size]
        out: dict[str, Any] = {"logStreams": [self._described_stream(group, st) for st in shown]}
        if offset + size < len(streams):
            out["nextToken"] = encode_token(str(offset + size))
        return out

    @staticmethod
    def _described_stream(group: LogGroupRecord, stream: LogStreamRecord) -> dict[str, Any]:
        out: dict[str, Any] = {"logStreamName": stream.name, "creationTime": stream.created_ms}
        if stream.first_event_ms is not None:
            out["firstEventTimestamp"] = stream.first_event_ms
        if stream.last_event_ms is not None:
            out["lastEventTimestamp"] = stream.last_event_ms
        if stream.last_ingestion_ms is not None:
            out["lastIngestionTime"] = stream.last_ingestion_ms
        out["arn"] = stream_arn(group.region, group.account_id, group.name, stream.name)
        out["storedBytes"] = 0  # AWS reports 0 for streams since 2019 (deprecated)
        return out

    # -- events --------------------------------------------------------------------------
    async def put_log_events(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        given: list[dict[str, Any]] = req["logEvents"]
        events = [(int(e["timestamp"]), str(e["message"])) for e in given]
        if len(events) > MAX_EVENTS:
            raise invalid(f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member"
                          f" must have length less than or equal to {MAX_EVENTS}")
        for _, message in events:
            if ingest.stored_size(message) > ingest.MAX_EVENT_BYTES:
                raise invalid(f"Log event too large: {ingest.stored_size(message)} bytes exceeds limit of"
                              f" {ingest.MAX_EVENT_BYTES}")
        size = sum(ingest.stored_size(m) for _, m in events)
        if size > MAX_BATCH_BYTES:
            raise invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
        if any(events[i][0] > events[i + 1][0] for i in range(len(events) - 1)):
            raise invalid("Log events in a single PutLogEvents request must be in chronological order.")
        if events and events[-1][0] - events[0][0] > MAX_SPAN_MS:
            raise invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        now = clock.now_ms()

        def put(s: Session) -> dict[str, Any]:
            group = self._group(s, GroupRef(ctx.account, ctx.region, req["logGroupName"]))
            stream = s.logs.stream(group.id, req["logStreamName"])
            if stream is None:
                raise stream_not_found()
            rejected: dict[str, int] = {}
            too_old = now - TOO_OLD_MS
            expired = now - group.retention_days * DAY_MS if group.retention_days is not None else None
            kept: list[tuple[int, str]] = []
            for index, (ts, message) in enumerate(events):
                if expired is not None and ts < expired:
                    rejected["expiredLogEventEndIndex"] = index
                elif ts < too_old:
                    rejected["tooOldLogEventEndIndex"] = index
                elif ts > now + TOO_NEW_MS:
                    rejected.setdefault("tooNewLogEventStartIndex", index)
                else:
                    kept.append((ts, message))
            ingest.append(s, group, stream, kept, now)
            out: dict[str, Any] = {"nextSequenceToken": f"{now:056d}"}
            if rejected:
                out["rejectedLogEventsInfo"] = rejected
            return out

        return await self.store.write(put)

    async def get_log_events(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self.sink.flush()
        ref = self._ref(ctx, req)
        limit = req.get("limit") or MAX_EVENTS
        token = req.get("nextToken")
        direction, key = None, None
        if token:
            m = _TOKEN.fullmatch(token)
            if m is None:
                raise invalid("The specified nextToken is invalid.")
            direction, key = m.group(1), _key_of(m.group(2))
        head = bool(req.get("startFromHead"))
        now = clock.now_ms()

        def read(s: Session) -> list[StoredLogEvent]:
            group = self._group(s, ref)
            stream = s.logs.stream(group.id, req["logStreamName"])
            if stream is None:
                raise stream_not_found()
            start = _retention_start(group, req.get("startTime"), now)
            end = req.get("endTime")
            if direction == "f" or (direction is None and head):
                return s.logs.stream_events(stream.id, start_ms=start, end_ms=end, after=key, limit=limit)
            newest = s.logs.stream_events(stream.id, start_ms=start, end_ms=end, before=key, limit=limit,
                                          newest_first=True)
            return newest[::-1]

        found = await self.store.read(read)
        found = _within_bytes(found, backwards=direction == "b" or (direction is None and not head))
        out: dict[str, Any] = {"events": [{"timestamp": e.timestamp_ms, "message": e.message,
                                           "ingestionTime": e.ingestion_ms} for e in found]}
        if found:
            out["nextForwardToken"] = f"f/{_key_text(found[-1].key)}"
            out["nextBackwardToken"] = f"b/{_key_text(found[0].key)}"
        else:  # at the end: the caller's own token back (clients stop on an unchanged token)
            at = _key_text(key or (0, 0))
            out["nextForwardToken"] = token if direction == "f" else f"f/{at}"
            out["nextBackwardToken"] = token if direction == "b" else f"b/{at}"
        return out

    async def filter_log_events(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self.sink.flush()
        ref = self._ref(ctx, req)
        names: list[str] | None = req.get("logStreamNames")
        prefix: str | None = req.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise invalid("Cannot specify both logStreamNames and logStreamNamePrefix.")
        try:
            matches = compile_filter(req.get("filterPattern"))
        except FilterPatternError as bad:
            raise invalid(str(bad)) from None
        limit = req.get("limit") or MAX_EVENTS
        token = req.get("nextToken")
        after: tuple[int, int] | None = None
        if token:
            text = decode_token(token, error_code="InvalidParameterException",
                                message="The specified nextToken is invalid.")
            if not re.fullmatch(r"\d{56}", text):
                raise invalid("The specified nextToken is invalid.")
            after = _key_of(text)
        now = clock.now_ms()

        def read(s: Session) -> tuple[list[LogStreamRecord], list[StoredLogEvent], tuple[int, int] | None]:
            group = self._group(s, ref)
            if names is not None:
                wanted = set(names)
                streams = [st for st in s.logs.streams(group.id) if st.name in wanted]
            else:
                streams = s.logs.streams(group.id, prefix=prefix)
            ids = [st.id for st in streams] if names is not None or prefix is not None else None
            start = _retention_start(group, req.get("startTime"), now)
            picked: list[StoredLogEvent] = []
            cursor, scanned = after, 0
            while True:
                batch = s.logs.group_events(group.id, stream_ids=ids, start_ms=start, end_ms=req.get("endTime"),
                                            after=cursor, limit=1000)
                for event in batch:
                    scanned += 1
                    cursor = event.key
                    if matches(event.message):
                        picked.append(event)
                        if len(picked) == limit:
                            return streams, picked, cursor
                if len(batch) < 1000:
                    return streams, picked, None
                if scanned >= FILTER_SCAN_ROWS:  # AWS too answers a long search in parts
                    return streams, picked, cursor

        streams, picked, resume = await self.store.read(read)
        by_id = {st.id: st.name for st in streams}
        picked, resume = _filtered_within_bytes(picked, resume)
        out: dict[str, Any] = {
            "events": [{"logStreamName": by_id.get(e.stream_id, ""), "timestamp": e.timestamp_ms,
                        "message": e.message, "ingestionTime": e.ingestion_ms, "eventId": _key_text(e.key)}
                       for e in picked],
            "searchedLogStreams": [{"logStreamName": st.name, "searchedCompletely": resume is None}
                                   for st in streams]}
        if resume is not None:
            out["nextToken"] = encode_token(_key_text(resume))
        return out

    async def test_metric_filter(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        """Which of the messages a filter pattern matches (and the fields it names)."""
        try:
            matches = compile_filter(req["filterPattern"])
            extract = compile_extractor(req["filterPattern"])
        except FilterPatternError as bad:
            raise invalid(str(bad)) from None
        return {"matches": [{"eventNumber": number, "eventMessage": message, "extractedValues": extract(message)}
                            for number, message in enumerate(req["logEventMessages"], start=1) if matches(message)]}

    # -- tags ----------------------------------------------------------------------------
    async def _tag(self, ref: GroupRef, tags: dict[str, str], too_many: Callable[[], ServiceError]) -> None:
        def tag(s: Session) -> None:
            self._group(s, ref)
            _tagging.add(s, group_arn(ref.region, ref.account, ref.name), tags, too_many)

        await self.store.write(tag)

    async def _untag(self, ref: GroupRef, keys: Sequence[str]) -> None:
        def untag(s: Session) -> None:
            self._group(s, ref)
            _tagging.remove(s, group_arn(ref.region, ref.account, ref.name), list(keys))

        await self.store.write(untag)

    async def _tags(self, ref: GroupRef) -> dict[str, Any]:
        def read(s: Session) -> dict[str, str]:
            self._group(s, ref)
            return s.tags.get(group_arn(ref.region, ref.account, ref.name))

        return {"tags": await self.store.read(read)}

    async def tag_log_group(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        def too_many() -> ServiceError:
            return invalid(f"A log group can have no more than {_tagging.MAX_TAGS} tags.")
        await self._tag(GroupRef(ctx.account, ctx.region, req["logGroupName"]), _tags_of(req["tags"],
                                                                                         too_many=too_many), too_many)

    async def untag_log_group(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self._untag(GroupRef(ctx.account, ctx.region, req["logGroupName"]), req["tags"])

    async def list_tags_log_group(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._tags(GroupRef(ctx.account, ctx.region, req["logGroupName"]))

    async def tag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self._tag(self._arn_ref(ctx, req["resourceArn"]), _tags_of(req["tags"], too_many=_too_many_tags),
                        _too_many_tags)

    async def untag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self._untag(self._arn_ref(ctx, req["resourceArn"]), req["tagKeys"])

    async def list_tags_for_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._tags(self._arn_ref(ctx, req["resourceArn"]))


def _within_bytes(events: list[StoredLogEvent], *, backwards: bool) -> list[StoredLogEvent]:
    """At most MAX_READ_BYTES of events (the newest ones when reading backwards)."""
    total, kept = 0, 0
    ordered = reversed(events) if backwards else iter(events)
    for event in ordered:
        total += ingest.stored_size(event.message)
        if total > MAX_READ_BYTES and kept:
            break
        kept += 1
    return events[len(events) - kept:] if backwards else events[:kept]


def _filtered_within_bytes(events: list[StoredLogEvent], resume: tuple[int, int] | None
                           ) -> tuple[list[StoredLogEvent], tuple[int, int] | None]:
    kept = _within_bytes(events, backwards=False)
    if len(kept) < len(events):
        return kept, kept[-1].key
    return kept, resume


# Every CloudWatch Logs operation eventyard serves, and the method serving it.
OPERATIONS: OperationTable = {
    "CreateLogGroup": LogsService.create_log_group,
    "CreateLogStream": LogsService.create_log_stream,
    "DeleteLogGroup": LogsService.delete_log_group,
    "DeleteLogStream": LogsService.delete_log_stream,
    "DeleteRetentionPolicy": LogsService.delete_retention_policy,
    "DescribeLogGroups": LogsService.describe_log_groups,
    "DescribeLogStreams": LogsService.describe_log_streams,
    "FilterLogEvents": LogsService.filter_log_events,
    "GetLogEvents": LogsService.get_log_events,
    "ListLogGroups": LogsService.list_log_groups,
    "ListTagsForResource": LogsService.list_tags_for_resource,
    "ListTagsLogGroup": LogsService.list_tags_log_group,
    "PutLogEvents": LogsService.put_log_events,
    "PutLogGroupDeletionProtection": LogsService.put_log_group_deletion_protection,
    "PutRetentionPolicy": LogsService.put_retention_policy,
    "TagLogGroup": LogsService.tag_log_group,
    "TagResource": LogsService.tag_resource,
    "TestMetricFilter": LogsService.test_metric_filter,
    "UntagLogGroup": LogsService.untag_log_group,
    "UntagResource": LogsService.untag_resource,
}

__all__ = ["OPERATIONS", "LogsService", "RetentionSweep"]
