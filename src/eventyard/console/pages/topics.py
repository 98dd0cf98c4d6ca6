"""Topics: subscriptions with protocol, confirmation and filter policy; publish a test message."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import Console, Frame
from eventyard.console.yard import Refused


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
        return frame.render("topic.html", title=f"Topic {name}", name=name, arn=arn, attributes=attributes, rows=rows,
                            fifo=name.endswith(".fifo"), notice=notice)

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
    ]
