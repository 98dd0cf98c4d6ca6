"""Functions (Lambda): the list; a function's configuration, its recent invocations (read
from its CloudWatch Logs group, as AWS's console does), invoke with a test event, and a
live tail of its logs.

A test event is kept in the page's URL (``?event=...``): bookmark or share the link to
save it; nothing is stored on the server. Every read and the invoke go through the
in-process seam as the viewer, so ``--auth iam`` decides what each viewer sees.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator
from urllib.parse import urlencode

from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import PREFIX, Console, Frame
from eventyard.console.pages.home import STREAM_SECONDS, _event
from eventyard.console.yard import Refused

# recent invocations: those of the last minutes, widened up to a day while too few are found
# (a busy function's page reads minutes of its log, a quiet one's a day)
RECENT_WINDOWS_MS = (5 * 60 * 1000, 3600 * 1000, 24 * 3600 * 1000)
RECENT_LINES = 5000  # at most this many log lines are read for them (the newest are kept)
SHOWN_INVOCATIONS = 25
POLL_SECONDS = 0.3  # the live tail asks the log group this often
DEFAULT_TEST_EVENT = '{"key": "value"}'

_START = re.compile(r"^START RequestId: (\S+)")
_END = re.compile(r"^END RequestId: (\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (\S+)")
# how the runtimes mark an error line: Python's "[ERROR]", Node's tab-separated level, JSON logs
_ERROR_MARKS = ("[ERROR]", "\tERROR\t", '"errorType"', '"level":"ERROR"', '"level": "ERROR"')
_FIELD = re.compile(r"(Duration|Billed Duration|Init Duration|Max Memory Used|Status|Error Type): ([^\t]+)")


@dataclass
class Invocation:
    """One invocation as its log lines tell it."""

    request_id: str
    started_ms: int
    stream: str
    duration: str = ""
    billed: str = ""
    memory_used: str = ""
    status: str = "running"  # until its END / REPORT line: "succeeded", "failed", "timeout", ...
    error: str = ""


def _platform(message: str) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, request id, fields) of a START / END / REPORT line, text or JSON log format."""
    text = message.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return None
        kind = {"platform.start": "START", "platform.runtimeDone": "END", "platform.report": "REPORT"}.get(
            str(record.get("type", "")) if isinstance(record, dict) else "")
        inner = record.get("record") if kind else None
        if not isinstance(inner, dict):
            return None
        metrics = inner.get("metrics") or {}
        fields = {"Duration": f"{metrics.get('durationMs', '')} ms", "Billed Duration": f"{metrics.get('billedDurationMs', '')} ms",
                  "Max Memory Used": f"{metrics.get('maxMemoryUsedMB', '')} MB", "Status": inner.get("status", ""),
                  "Error Type": inner.get("errorType", "")}
        return str(kind), str(inner.get("requestId", "")), fields
    for kind, pattern in (("START", _START), ("END", _END), ("REPORT", _REPORT)):
        found = pattern.match(text)
        if found:
            return kind, found.group(1), dict(_FIELD.findall(text))
    return None


def invocations_of(lines: list[dict[str, Any]]) -> list[Invocation]:
    """The invocations in a log group's lines (oldest first), newest first. A line between
    an invocation's START and END in its stream belongs to it (a stream is one worker,
    which runs one invocation at a time): an ``[ERROR]`` or ``errorType`` line marks it failed."""
    found: dict[str, Invocation] = {}
    running: dict[str, Invocation] = {}  # by stream
    for line in lines:
        stream, message = str(line.get("logStreamName", "")), str(line.get("message", ""))
        parsed = _platform(message)
        if parsed is None:
            current = running.get(stream)
            if current is not None and not current.error and any(mark in message for mark in _ERROR_MARKS):
                current.error = message.strip()[:300]
            continue
        kind, request_id, fields = parsed
        invocation = found.get(request_id)
        if invocation is None:
            invocation = found[request_id] = Invocation(request_id, int(line.get("timestamp") or 0), stream)
        if kind == "START":
            running[stream] = invocation
        elif kind == "END":
            running.pop(stream, None)
        else:
            running.pop(stream, None)
            invocation.duration = fields.get("Duration", "")
            invocation.billed = fields.get("Billed Duration", "")
            invocation.memory_used = fields.get("Max Memory Used", "")
            status = str(fields.get("Status") or "").lower()
            error_type = str(fields.get("Error Type") or "")
            if error_type and not invocation.error:
                invocation.error = error_type
            invocation.status = status if status and status != "success" else ("failed" if invocation.error else "succeeded")
    return sorted(found.values(), key=lambda i: i.started_ms, reverse=True)


def _group(name: str) -> str:
    return f"/aws/lambda/{name}"


async def _lines(frame: Frame, name: str, *, start_ms: int, limit: int) -> list[dict[str, Any]]:
    """The function's log lines since ``start_ms`` (at most the newest ``limit``), oldest first;
    none if it has no log group yet."""
    params: dict[str, Any] = {"logGroupName": _group(name), "startTime": start_ms, "limit": min(limit, 10000)}
    lines: list[dict[str, Any]] = []
    while True:
        try:
            page = await frame.call("logs", "FilterLogEvents", params)
        except Refused as exc:
            if exc.code == "ResourceNotFoundException":
                return []
            raise
        lines.extend(page.get("events", []))
        lines = lines[-limit:]
        token = page.get("nextToken")
        if not token:
            return lines
        params["nextToken"] = token


async def _recent_invocations(frame: Frame, name: str, now: int) -> list[Invocation]:
    found: list[Invocation] = []
    for window in RECENT_WINDOWS_MS:
        found = invocations_of(await _lines(frame, name, start_ms=now - window, limit=RECENT_LINES))
        if len(found) >= SHOWN_INVOCATIONS:
            break
    return found


def _text(payload: Any) -> str:
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload).decode("utf-8", "replace")
    if hasattr(payload, "read"):
        return bytes(payload.read()).decode("utf-8", "replace")
    return "" if payload is None else str(payload)


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def routes(console: Console) -> list[BaseRoute]:
    async def function_list(frame: Frame) -> Response:
        params: dict[str, Any] = {"MaxItems": 50}
        if frame.param("next"):
            params["Marker"] = frame.param("next")
        try:
            listed = await frame.call("lambda", "ListFunctions", params)
        except Refused as exc:
            return frame.render("functions.html", title="Functions", functions=[], next_token=None, problem=exc.message)
        return frame.render("functions.html", title="Functions", functions=listed.get("Functions", []),
                            next_token=listed.get("NextMarker"))

    async def render_function(frame: Frame, name: str, *, test_event: str, result: dict[str, Any] | None,
                              problem: str | None = None, status: int = 200) -> Response:
        try:
            described = await frame.call("lambda", "GetFunction", {"FunctionName": name})
            now = int(time.time() * 1000)
            invocations = await _recent_invocations(frame, name, now)
        except Refused as exc:
            return frame.render("error.html", status=404 if exc.code == "ResourceNotFoundException" else 403,
                                title=f"Function {name}", message=exc.message)
        configuration = described.get("Configuration", {})
        return frame.render("function.html", status=status, title=f"Function {name}", name=name,
                            configuration=configuration, environment=(configuration.get("Environment") or {}).get("Variables") or {},
                            invocations=invocations[:SHOWN_INVOCATIONS], test_event=test_event, result=result,
                            problem=problem, tail_after=now)

    async def function_page(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        return await render_function(frame, name, test_event=frame.param("event", DEFAULT_TEST_EVENT), result=None)

    async def invoke(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        test_event = frame.field("event")
        fragment = frame.request.headers.get("hx-request") == "true"
        result: dict[str, Any]
        try:
            answer = await frame.call("lambda", "Invoke", {"FunctionName": name, "LogType": "Tail",
                                                           "Payload": test_event.encode("utf-8")})
            log = base64.b64decode(answer.get("LogResult") or "").decode("utf-8", "replace")
            result = {"status": answer.get("StatusCode"), "error": answer.get("FunctionError", ""),
                      "payload": _pretty(_text(answer.get("Payload"))), "log": log}
        except Refused as exc:
            result = {"status": None, "error": exc.code, "payload": exc.message, "log": ""}
        keep = f"{PREFIX}/functions/{name}?" + urlencode({"event": test_event})
        if fragment:
            return frame.render("_invoke_result.html", result=result, keep=keep)
        return await render_function(frame, name, test_event=test_event, result={**result, "keep": keep})

    async def live_logs(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        after = frame.param("after")
        start = int(after) if after.isdigit() else int(time.time() * 1000)
        resumed = frame.request.headers.get("last-event-id", "")
        if resumed.isdigit():
            start = max(start, int(resumed))
        rows = console.templates.get_template("_log_rows.html")

        async def stream() -> AsyncIterator[str]:
            nonlocal start
            yield "retry: 500\n\n"
            seen: set[str] = set()  # event ids at the newest timestamp (the next read starts there again)
            ends = time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends:
                try:
                    fresh = [line for line in await _lines(frame, name, start_ms=start, limit=1000)
                             if line.get("eventId") not in seen]
                except Refused:
                    return
                if fresh:
                    newest = max(int(line.get("timestamp") or 0) for line in fresh)
                    seen = {str(line.get("eventId")) for line in fresh if int(line.get("timestamp") or 0) == newest} | (
                        seen if newest == start else set())
                    start = newest
                    yield f"id: {start}\n" + _event("logs", rows.render(lines=fresh))
                await asyncio.sleep(POLL_SECONDS)

        response = StreamingResponse(stream(), media_type="text/event-stream")
        response.headers["x-accel-buffering"] = "no"
        return console.finish(response, frame)

    return [
        Route("/functions", console.page(function_list)),
        Route("/functions/{name}", console.page(function_page)),
        Route("/functions/{name}/invoke", console.page(invoke), methods=["POST"]),
        Route("/live/functions/{name}/logs", console.page(live_logs)),
    ]
