"""Archives and replays: each archive's size and retention, its events (newest first,
searchable by text, paged), start a replay of a time window (to its bus, or some of its
rules), follow its progress live, cancel it."""

from __future__ import annotations

import datetime
import json
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused


EVENTS_SHOWN = 20  # archived events per page


def _when(text: str) -> datetime.datetime | None:
    """An ISO 8601 time from a form (UTC unless it says otherwise)."""
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def _progress(replay: dict[str, Any]) -> int | None:
    """Per cent of the window replayed, from EventLastReplayedTime (AWS's only progress)."""
    start, end, last = (replay.get(k) for k in ("EventStartTime", "EventEndTime", "EventLastReplayedTime"))
    if replay.get("State") == "COMPLETED":
        return 100
    if not isinstance(start, (int, float)) or not isinstance(end, (int, float)) or not isinstance(last, (int, float)):
        return None
    return max(0, min(100, int(100 * (last - start) / (end - start)))) if end > start else None


def routes(console: Console) -> list[BaseRoute]:
    async def archive_list(frame: Frame) -> Response:
        problem = None
        try:
            archives = (await frame.call("events", "ListArchives", {"Limit": 100})).get("Archives", [])
        except Refused as exc:
            archives, problem = [], exc.message
        return frame.render("archives.html", title="Archives and replays", archives=archives, problem=problem)

    async def replays_of(frame: Frame, archive_arn: str) -> list[dict[str, Any]]:
        listed = (await frame.call("events", "ListReplays", {"EventSourceArn": archive_arn, "Limit": 50})).get("Replays", [])
        return [{**r, "progress": _progress(r)} for r in listed]

    async def archive_page(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        try:
            archive = await frame.call("events", "DescribeArchive", {"ArchiveName": name})
            replays = await replays_of(frame, archive["ArchiveArn"])
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Archive {name}", message=exc.message)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        notice = {"started": "Replay started.", "cancelled": "Replay cancelled."}.get(frame.param("done"), "")
        return frame.render("archive.html", title=f"Archive {name}", name=name, archive=archive, replays=replays,
                            default_start=(now - datetime.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
                            default_end=now.isoformat().replace("+00:00", "Z"), notice=notice)

    async def archive_events(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        containing, before = frame.param("q"), frame.param("before")
        try:
            found, older = await frame.yard.archived_events(
                frame.viewer, name, containing=containing or None, before=int(before) if before.isdigit() else None,
                limit=EVENTS_SHOWN)
        except Refused as exc:
            return frame.render("error.html", status=404 if exc.code == "ResourceNotFoundException" else 403,
                                title=f"Events of archive {name}", message=exc.message)
        shown = [{"id": e.id, "archived_at": e.archived_at, "event_time": e.event_time, "event": e.event,
                  "pretty": json.dumps(e.event, indent=2)} for e in found]
        return frame.render("archive_events.html", title=f"Events of archive {name}", name=name, events=shown,
                            containing=containing, older=older, paged=bool(before))

    async def replay_rows(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        try:
            archive = await frame.call("events", "DescribeArchive", {"ArchiveName": name})
            replays = await replays_of(frame, archive["ArchiveArn"])
        except Refused:
            replays = []
        return frame.render("_replays.html", name=name, replays=replays)

    async def start(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        begin, end = _when(frame.field("start")), _when(frame.field("end"))
        if begin is None or end is None:
            return frame.render("error.html", status=400, title="Not replayed",
                                message="Start and end are ISO 8601 times, e.g. 2026-01-31T12:00:00Z.")
        try:
            archive = await frame.call("events", "DescribeArchive", {"ArchiveName": name})
            destination: dict[str, Any] = {"Arn": archive["EventSourceArn"]}
            rules = [r.strip() for r in frame.field("rules").splitlines() if r.strip()]
            if rules:
                destination["FilterArns"] = rules
            await frame.call("events", "StartReplay", {
                "ReplayName": frame.field("replay_name").strip() or f"{name}-{int(datetime.datetime.now().timestamp())}",
                "EventSourceArn": archive["ArchiveArn"], "EventStartTime": begin, "EventEndTime": end,
                "Destination": destination})
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not replayed", message=f"{exc.code}: {exc.message}")
        return frame.redirect(f"/archives/{name}", done="started")

    async def cancel(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        try:
            await frame.call("events", "CancelReplay", {"ReplayName": frame.field("replay")})
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not cancelled", message=f"{exc.code}: {exc.message}")
        return frame.redirect(f"/archives/{name}", done="cancelled")

    return [
        Route("/archives", console.page(archive_list)),
        Route("/archives/{name}", console.page(archive_page)),
        Route("/archives/{name}/events", console.page(archive_events)),
        Route("/archives/{name}/replays", console.page(replay_rows)),
        Route("/archives/{name}/replay", console.page(start), methods=["POST"]),
        Route("/archives/{name}/cancel", console.page(cancel), methods=["POST"]),
    ]
