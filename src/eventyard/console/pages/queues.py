"""Queues: depths, peek without receiving (searchable), send, purge with confirmation."""

from __future__ import annotations

import time
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.charts import HEIGHT, WIDTH, sparkline_points
from eventyard.console.yard import Refused
from eventyard.services.sqs.attributes import SETTABLE
from eventyard.store.queues import QueueDepth

PAGE = 20
UNCOUNTED = sorted((SETTABLE | {"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}))
LIST_CAP = 10_000  # the queue list counts each queue's messages up to this many ("10000+")


def _queue_url(frame: Frame, name: str) -> str:
    return f"{frame.base_url}/{frame.viewer.account}/{name}"


def _attributes(text: str) -> dict[str, Any]:
    """``name=value`` lines as String message attributes."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            found[name.strip()] = {"DataType": "String", "StringValue": value.strip()}
    return found


def _age_s(depth: QueueDepth | None) -> int | None:
    if depth is None or depth.oldest_sent_at is None:
        return None
    return max(0, int(time.time() - depth.oldest_sent_at / 1000))


async def _charts(frame: Frame, name: str) -> dict[str, Any] | None:
    """The queue's depths now, added to its live chart, with the chart's lines."""
    if not await frame.yard.may(frame.viewer, "sqs", "GetQueueAttributes", {"QueueUrl": _queue_url(frame, name)}):
        return None
    found = await frame.yard.depths_of(frame.viewer, [name])
    if not found:
        return None
    samples = frame.yard.queue_samples(found[0])
    lines = []
    for key, label in (("visible", "visible"), ("in_flight", "in flight"), ("delayed", "delayed"),
                       ("oldest_s", "age of the oldest message")):
        values = [getattr(sample, key) for sample in samples]
        lines.append({"key": key, "label": label, "now": values[-1], "top": max(values),
                      "points": sparkline_points(values), "count": len(values)})
    depth = found[0]
    return {"lines": lines, "empty": depth.oldest_sent_at is None, "seconds": (samples[-1].at_ms - samples[0].at_ms) // 1000, "width": WIDTH,
            "height": HEIGHT}


async def _redrive_state(frame: Frame, url: str, arn: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The queues whose dead-letter queue this one is, and its message move tasks."""
    try:
        sources = (await frame.call("sqs", "ListDeadLetterSourceQueues", {"QueueUrl": url})).get("queueUrls", [])
    except Refused:
        sources = []
    if not sources:
        return [], []
    try:
        tasks = (await frame.call("sqs", "ListMessageMoveTasks", {"SourceArn": arn, "MaxResults": 10})).get("Results", [])
    except Refused:
        tasks = []
    return [u.rsplit("/", 1)[-1] for u in sources], tasks


def routes(console: Console) -> list[BaseRoute]:
    async def queue_list(frame: Frame) -> Response:
        prefix = frame.param("prefix")
        params: dict[str, Any] = {"MaxResults": 100}
        if prefix:
            params["QueueNamePrefix"] = prefix
        if frame.param("next"):
            params["NextToken"] = frame.param("next")
        problem = None
        try:
            listed = await frame.call("sqs", "ListQueues", params)
        except Refused as exc:
            listed, problem = {}, exc.message
        names = [url.rsplit("/", 1)[-1] for url in listed.get("QueueUrls", [])]
        depths = {d.arn: d for d in await frame.yard.depths_of(frame.viewer, names, cap=LIST_CAP)}
        rows = []
        for name in names:
            depth = depths.get(f"arn:aws:sqs:{frame.viewer.region}:{frame.viewer.account}:{name}")
            rows.append({"name": name, "depth": depth, "oldest": _age_s(depth)})
        return frame.render("queues.html", title="Queues", rows=rows, prefix_filter=prefix, cap=LIST_CAP,
                            next_token=listed.get("NextToken"), problem=problem)

    async def queue_page(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        url = _queue_url(frame, name)
        try:
            # all but the counts, which the live charts read (once, not twice, per page)
            attributes = (await frame.call("sqs", "GetQueueAttributes",
                                           {"QueueUrl": url, "AttributeNames": UNCOUNTED})).get("Attributes", {})
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Queue {name}", message=exc.message)
        containing = frame.param("q")
        after = frame.param("after")
        problem = None
        try:
            page = await frame.yard.peek(frame.viewer, url, containing=containing or None,
                                         after=int(after) if after.isdigit() else 0, limit=PAGE)
        except Refused as exc:
            page, problem = None, exc.message
        notice = {"sent": "Message sent: {ref}", "purged": "Queue purged.", "redriving": "Redrive started.",
                  "cancelled": "Redrive cancelled."}.get(frame.param("done"), "")
        arn = attributes.get("QueueArn", "")
        sources, tasks = await _redrive_state(frame, url, arn)
        return frame.render("queue.html", title=f"Queue {name}", name=name, url=url, attributes=attributes,
                            page=page, containing=containing, charts=await _charts(frame, name),
                            fifo=name.endswith(".fifo"),
                            notice=notice.format(ref=frame.param("ref")), problem=problem, now=time.time(),
                            sources=sources, tasks=tasks, arn=arn)

    async def charts(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        return frame.render("_queue_charts.html", name=name, charts=await _charts(frame, name))

    async def move_tasks(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        url = _queue_url(frame, name)
        arn = f"arn:aws:sqs:{frame.viewer.region}:{frame.viewer.account}:{name}"
        _, tasks = await _redrive_state(frame, url, arn)
        return frame.render("_move_tasks.html", name=name, tasks=tasks)

    async def redrive(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        arn = f"arn:aws:sqs:{frame.viewer.region}:{frame.viewer.account}:{name}"
        params: dict[str, Any] = {"SourceArn": arn}
        if frame.field("destination").strip():
            params["DestinationArn"] = frame.field("destination").strip()
        if frame.field("rate").strip():
            try:
                params["MaxNumberOfMessagesPerSecond"] = int(frame.field("rate"))
            except ValueError:
                return await _again(frame, "The rate is a whole number of messages per second (1 to 500).")
        try:
            await frame.call("sqs", "StartMessageMoveTask", params)
        except Refused as exc:
            return await _again(frame, f"{exc.code}: {exc.message}")
        return frame.redirect(f"/queues/{name}", done="redriving")

    async def cancel_redrive(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        try:
            await frame.call("sqs", "CancelMessageMoveTask", {"TaskHandle": frame.field("task")})
        except Refused as exc:
            return await _again(frame, f"{exc.code}: {exc.message}")
        return frame.redirect(f"/queues/{name}", done="cancelled")

    async def send(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        params: dict[str, Any] = {"QueueUrl": _queue_url(frame, name), "MessageBody": frame.field("body")}
        attributes = _attributes(frame.field("attributes"))
        if attributes:
            params["MessageAttributes"] = attributes
        if frame.field("delay").strip():
            try:
                params["DelaySeconds"] = int(frame.field("delay"))
            except ValueError:
                return await _again(frame, "Delay must be a whole number of seconds (0 to 900).")
        for field_name, param in (("group_id", "MessageGroupId"), ("dedup_id", "MessageDeduplicationId")):
            if frame.field(field_name).strip():
                params[param] = frame.field(field_name).strip()
        try:
            sent = await frame.call("sqs", "SendMessage", params)
        except Refused as exc:
            return await _again(frame, f"{exc.code}: {exc.message}")
        return frame.redirect(f"/queues/{name}", done="sent", ref=sent.get("MessageId", ""))

    async def _again(frame: Frame, problem: str) -> Response:
        name = frame.request.path_params["name"]
        return frame.render("error.html", status=400, title=f"Not sent to {name}", message=problem)

    async def purge_confirm(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        return frame.render("confirm.html", title=f"Purge {name}?", action=f"/queues/{name}/purge",
                            question=f"Delete every message in queue {name}? This cannot be undone.",
                            button="Purge the queue", back=f"/queues/{name}")

    async def purge(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        try:
            await frame.call("sqs", "PurgeQueue", {"QueueUrl": _queue_url(frame, name)})
        except Refused as exc:
            return frame.render("error.html", status=400, title=f"Not purged: {name}", message=f"{exc.code}: {exc.message}")
        return frame.redirect(f"/queues/{name}", done="purged")

    return [
        Route("/queues", console.page(queue_list)),
        Route("/queues/{name}", console.page(queue_page)),
        Route("/queues/{name}/send", console.page(send), methods=["POST"]),
        Route("/queues/{name}/purge", console.page(purge_confirm), methods=["GET"]),
        Route("/queues/{name}/purge", console.page(purge), methods=["POST"]),
        Route("/queues/{name}/redrive", console.page(redrive), methods=["POST"]),
        Route("/queues/{name}/redrive/cancel", console.page(cancel_redrive), methods=["POST"]),
        Route("/queues/{name}/move-tasks", console.page(move_tasks)),
        Route("/queues/{name}/charts", console.page(charts)),
    ]
