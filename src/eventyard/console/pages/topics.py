"""Topics: subscriptions with protocol, confirmation and filter policy; publish a test
message; the recent messages (``--event-history``) and each one's fan-out: delivered,
waiting on the outbox, filtered out (by which part of the filter policy, explained by
eventyard's own matcher) or failed (each attempt with its error)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused
from eventyard.core.patterns.errors import InvalidEventPattern
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.explain import Explanation, explain
from eventyard.core.patterns.sns import message_attributes_event, message_body_event, parse_filter_policy
from eventyard.store.delivery_history import Attempt, PublishedMessage

SHOWN = 50


@dataclass(frozen=True)
class Reach:
    """One subscription's part in a message's fan-out."""

    arn: str
    protocol: str
    endpoint: str
    outcome: str  # delivered | queued | filtered | not delivered | failed | dead-lettered | retrying
    why: Explanation | None  # filtered: the policy's first condition the message failed
    note: str
    attempts: list[Attempt]


def why_filtered(policy: str, scope: str, message: dict[str, Any]) -> tuple[Explanation | None, str]:
    """Why a filter policy leaves the message out, by the matcher's own explanation."""
    try:
        pattern = parse_filter_policy(policy, scope)
    except InvalidEventPattern as exc:
        return None, f"the filter policy does not parse now: {exc}"
    if scope == "MessageBody":
        event = message_body_event(str(message.get("message", "")))
        if event is None:
            return None, "the policy filters on the body, and the body is not a JSON object"
    else:
        event = message_attributes_event(message.get("attributes") or {})
    found = explain(pattern, flatten(event))
    if found.matched:
        return found, "the policy as it is now accepts the message (it was changed after the publish)"
    return found, ""


def _counts(kept: PublishedMessage) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in kept.outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _topic_arn(frame: Frame, name: str) -> str:
    return f"arn:aws:sns:{frame.viewer.region}:{frame.viewer.account}:{name}"


def routes(console: Console) -> list[BaseRoute]:
    async def topic_list(frame: Frame) -> Response:
        params: dict[str, Any] = {}
        if frame.param("next"):
            params["NextToken"] = frame.param("next")
        problem = None
        try:
            listed = await frame.call("sns", "ListTopics", params)
        except Refused as exc:
            listed, problem = {}, exc.message
        topics = [t["TopicArn"] for t in listed.get("Topics", [])]
        return frame.render("topics.html", title="Topics", topics=topics, next_token=listed.get("NextToken"),
                            problem=problem)

    async def topic_page(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        arn = _topic_arn(frame, name)
        try:
            attributes = (await frame.call("sns", "GetTopicAttributes", {"TopicArn": arn})).get("Attributes", {})
            subscriptions = (await frame.call("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})).get("Subscriptions", [])
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Topic {name}", message=exc.message)
        rows = []
        for sub in subscriptions[:100]:
            details: dict[str, str] = {}
            if sub.get("SubscriptionArn", "").startswith("arn:"):
                try:
                    details = (await frame.call("sns", "GetSubscriptionAttributes",
                                                {"SubscriptionArn": sub["SubscriptionArn"]})).get("Attributes", {})
                except Refused:
                    details = {}
            rows.append({"sub": sub, "attributes": details})
        notice = f"Published: message {frame.param('ref')}" if frame.param("done") == "published" else ""
        before = frame.param("before")
        try:
            messages = await frame.yard.published(frame.viewer, arn, before=int(before) if before.isdigit() else None,
                                                  limit=SHOWN)
        except Refused:
            messages = []
        return frame.render("topic.html", title=f"Topic {name}", name=name, arn=arn, attributes=attributes, rows=rows,
                            fifo=name.endswith(".fifo"), notice=notice,
                            messages=[(m, _counts(m)) for m in messages], kept=frame.yard.history_kept,
                            older=messages[-1].id if len(messages) == SHOWN else None)

    async def message_page(frame: Frame) -> Response:
        name, message_id = frame.request.path_params["name"], frame.request.path_params["message_id"]
        arn = _topic_arn(frame, name)
        try:
            kept = await frame.yard.published_message(frame.viewer, arn, message_id)
            subscriptions = (await frame.call("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})).get("Subscriptions", [])
        except Refused as exc:
            return frame.render("error.html", status=404, title=f"Message {message_id}", message=exc.message)
        if kept is None:
            return frame.render("error.html", status=404, title=f"Message {message_id}",
                                message="This message is not kept (the history keeps the newest messages of each "
                                        "topic while the server runs with --event-history).")
        attempts: dict[str, list[Attempt]] = {}
        for attempt in await frame.yard.attempts(message_id):
            attempts.setdefault(attempt.target, []).append(attempt)
        endpoints = {sub.get("SubscriptionArn", ""): sub for sub in subscriptions}
        reaches = []
        for sub_arn, outcome in sorted(kept.outcomes.items(), key=lambda item: (item[1] == "filtered", item[0])):
            sub = endpoints.get(sub_arn, {})
            tried = attempts.get(sub_arn, [])
            why, note = None, ""
            if tried:
                outcome = tried[-1].outcome
            if outcome == "filtered":
                try:
                    details = (await frame.call("sns", "GetSubscriptionAttributes",
                                                {"SubscriptionArn": sub_arn})).get("Attributes", {})
                except Refused:
                    details, note = {}, "the subscription is gone"
                if details.get("FilterPolicy"):
                    why, note = why_filtered(details["FilterPolicy"],
                                             details.get("FilterPolicyScope", "MessageAttributes"), kept.message)
            elif outcome == "queued":
                note = "waiting for its first attempt"
            elif outcome == "not delivered":
                note = "eventyard keeps, but does not send, messages of this protocol"
            elif outcome == "delivered" and not tried:
                note = "written to the queue in the publish's own commit"
            reaches.append(Reach(sub_arn, sub.get("Protocol", ""), sub.get("Endpoint", ""), outcome, why, note, tried))
        return frame.render("topic_message.html", title=f"Message {message_id}", name=name, arn=arn, kept=kept,
                            reaches=reaches, pretty_attributes=json.dumps(kept.message.get("attributes") or {},
                                                                          indent=2))

    async def publish(frame: Frame) -> Response:
        name = frame.request.path_params["name"]
        params: dict[str, Any] = {"TopicArn": _topic_arn(frame, name), "Message": frame.field("message")}
        if frame.field("subject").strip():
            params["Subject"] = frame.field("subject").strip()
        attributes = {}
        for line in frame.field("attributes").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip():
                attributes[key.strip()] = {"DataType": "String", "StringValue": value.strip()}
        if attributes:
            params["MessageAttributes"] = attributes
        if frame.field("group_id").strip():
            params["MessageGroupId"] = frame.field("group_id").strip()
        try:
            sent = await frame.call("sns", "Publish", params)
        except Refused as exc:
            return frame.render("error.html", status=400, title="Not published", message=f"{exc.code}: {exc.message}")
        return frame.redirect(f"/topics/{name}", done="published", ref=sent.get("MessageId", ""))

    return [
        Route("/topics", console.page(topic_list)),
        Route("/topics/{name}", console.page(topic_page)),
        Route("/topics/{name}/publish", console.page(publish), methods=["POST"]),
        Route("/topics/{name}/messages/{message_id}", console.page(message_page)),
    ]
