"""What subscribers receive: the JSON envelope exactly as SNS writes it, its signature,
and the URLs in it.

The text is Jackson's pretty print, as AWS sends it (``"Key" : "value"``, two-space
indent, attributes one per line). The signature covers SNS's canonical string: for a
``Notification`` the lines ``Message``, ``MessageId``, ``Subject`` (when given),
``Timestamp``, ``TopicArn``, ``Type``, each name then its value; for a
``SubscriptionConfirmation`` ``Message``, ``MessageId``, ``SubscribeURL``,
``Timestamp``, ``Token``, ``TopicArn``, ``Type``. FIFO topics leave the three signature
fields out and add ``SequenceNumber``.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import orjson

from eventyard.core import ids
from eventyard.services.sns.signing import SigningKey
from eventyard.store.topics import SubscriptionRecord

USER_AGENT = "Amazon Simple Notification Service Agent"


_last_timestamp: tuple[int, str] = (-1, "")


def timestamp(now_ms: int) -> str:
    global _last_timestamp
    last = _last_timestamp  # every message of a batch, and every batch in that millisecond
    if last[0] == now_ms:
        return last[1]
    moment = datetime.fromtimestamp(now_ms / 1000, timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_ms % 1000:03d}Z"
    _last_timestamp = (now_ms, text)
    return text


def _s(value: str) -> str:
    return orjson.dumps(value).decode()


def dumps(fields: dict[str, Any]) -> str:
    """Jackson's default pretty printer, as SNS uses it."""
    lines = []
    for key, value in fields.items():
        if isinstance(value, dict):
            inner = ",\n".join(f"    {_s(k)} : {orjson.dumps(v).decode()}" for k, v in value.items())
            lines.append(f"  {_s(key)} : {{\n{inner}\n  }}" if value else f"  {_s(key)} : {{ }}")
        else:
            lines.append(f"  {_s(key)} : {_s(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def cert_url(base_url: str, key: SigningKey) -> str:
    return f"{base_url}/{key.cert_name}"


@lru_cache(maxsize=4096)
def unsubscribe_url(base_url: str, subscription_arn: str) -> str:
    """Made once per subscription and host (every notification of a topic names it)."""
    return f"{base_url}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe=':')}"


def subscribe_url(base_url: str, topic_arn: str, token: str) -> str:
    return f"{base_url}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe=':')}&Token={token}"


def envelope_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    out = {}
    for name in sorted(attributes):
        attr = attributes[name]
        if attr.get("BinaryValue") is not None:
            value = attr["BinaryValue"]
            text = base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)
        else:
            text = attr.get("StringValue", "")
        out[name] = {"Type": attr["DataType"], "Value": text}
    return out


def canonical_notification(message: str, message_id: str, subject: str | None, ts: str, topic_arn: str) -> str:
    parts = ["Message", message, "MessageId", message_id]
    if subject is not None:
        parts += ["Subject", subject]
    parts += ["Timestamp", ts, "TopicArn", topic_arn, "Type", "Notification"]
    return "\n".join(parts) + "\n"


class Notification:
    """One published message as its envelope, built once and completed per subscription
    (only ``UnsubscribeURL`` differs between subscriptions)."""

    __slots__ = ("head", "tail", "_base")

    def __init__(self, *, message: str, message_id: str, topic_arn: str, subject: str | None, now_ms: int,
                 attributes: dict[str, dict[str, Any]], base_url: str, key: SigningKey | None,
                 signature_version: str, sequence: str | None, signature: str | None = None) -> None:
        """``signature``: made beforehand over ``canonical_notification`` of the same
        values (off the event loop); else ``key`` signs here."""
        ts = timestamp(now_ms)
        fields: dict[str, Any] = {"Type": "Notification", "MessageId": message_id}
        if sequence is not None:
            fields["SequenceNumber"] = sequence
        fields["TopicArn"] = topic_arn
        if subject is not None:
            fields["Subject"] = subject
        fields["Message"] = message
        fields["Timestamp"] = ts
        if sequence is None and key is not None:
            fields["SignatureVersion"] = signature_version
            fields["Signature"] = signature if signature is not None else key.sign(
                canonical_notification(message, message_id, subject, ts, topic_arn), signature_version)
            fields["SigningCertURL"] = cert_url(base_url, key)
        fields["UnsubscribeURL"] = ""
        head = dumps(fields)
        cut = head.rindex('""')
        self.head = head[:cut + 1]
        rest = '"'
        if attributes:
            rest += ",\n" + dumps({"MessageAttributes": envelope_attributes(attributes)})[2:-2]
        self.tail = rest + "\n}"
        self._base = base_url

    def for_subscription(self, subscription_arn: str) -> str:
        return self.head + unsubscribe_url(self._base, subscription_arn) + self.tail


def confirmation(sub: SubscriptionRecord, base_url: str, key: SigningKey, signature_version: str,
                 now_ms: int, *, unsubscribed: bool = False, token: str | None = None) -> dict[str, Any]:
    """A ``SubscriptionConfirmation``, or with ``unsubscribed`` the ``UnsubscribeConfirmation``
    AWS sends an HTTP/S endpoint whose subscription was deleted (``token`` is its own)."""
    token = token or sub.token
    assert token is not None
    ts = timestamp(now_ms)
    message_id = ids.uuid4()
    if unsubscribed:
        kind = "UnsubscribeConfirmation"
        message = (f"You have chosen to deactivate subscription {sub.arn}.\n"
                   "To cancel this operation and restore the subscription, visit the SubscribeURL included in "
                   "this message.")
    else:
        kind = "SubscriptionConfirmation"
        message = (f"You have chosen to subscribe to the topic {sub.topic_arn}.\n"
                   "To confirm the subscription, visit the SubscribeURL included in this message.")
    url = subscribe_url(base_url, sub.topic_arn, token)
    canonical = "\n".join(["Message", message, "MessageId", message_id, "SubscribeURL", url, "Timestamp", ts,
                           "Token", token, "TopicArn", sub.topic_arn, "Type", kind]) + "\n"
    return {
        "Type": kind, "MessageId": message_id, "Token": token, "TopicArn": sub.topic_arn,
        "Message": message, "SubscribeURL": url, "Timestamp": ts, "SignatureVersion": signature_version,
        "Signature": key.sign(canonical, signature_version), "SigningCertURL": cert_url(base_url, key),
    }


def http_headers(message_type: str, message_id: str, topic_arn: str, subscription_arn: str | None, *, raw: bool,
                 content_type: str) -> dict[str, str]:
    headers = {
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
    }
    if subscription_arn is not None:
        headers["x-amz-sns-subscription-arn"] = subscription_arn
    if raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    return headers
