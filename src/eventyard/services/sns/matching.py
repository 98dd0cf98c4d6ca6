"""Each topic's confirmed subscriptions with their filter policies compiled, cached per node.

A topic row carries ``version``, moved by every change to the topic or its
subscriptions on any node. ``Publish`` reads it inside its own transaction, so a cached
entry is used only while it reflects what that transaction sees.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from eventyard.core.patterns.compiled import RuleMatcher
from eventyard.core.patterns.sns import message_attributes_event, message_body_event, parse_filter_policy
from eventyard.store import Session
from eventyard.store.topics import SubscriptionRecord, TopicRecord

_MAX_TOPICS = 10_000


@dataclass
class TopicSubscriptions:
    version: tuple[int, int]  # (topic id, version): a topic made again under its ARN has a new id
    topic: TopicRecord
    subscriptions: list[SubscriptionRecord]  # confirmed ones, by ARN
    unfiltered: set[str] = field(default_factory=set)
    by_attributes: RuleMatcher[str] | None = None  # subscriptions by ARN
    by_body: RuleMatcher[str] | None = None
    dead_letters: dict[str, str] = field(default_factory=dict)  # subscription ARN -> its RedrivePolicy queue

    def matching(self, message: str, attributes: dict[str, dict[str, Any]]) -> list[SubscriptionRecord]:
        """The subscriptions whose filter policy accepts the message (all without one)."""
        hits = set(self.unfiltered)
        if self.by_attributes is not None:
            hits |= {str(a) for a in self.by_attributes.match_event(message_attributes_event(attributes))}
        if self.by_body is not None:
            body = message_body_event(message)
            if body is not None:
                hits |= {str(a) for a in self.by_body.match_event(body)}
        if len(hits) == len(self.subscriptions):
            return self.subscriptions
        return [sub for sub in self.subscriptions if sub.arn in hits]


class SubscriptionCache:
    def __init__(self) -> None:
        self._topics: dict[str, TopicSubscriptions] = {}
        self._lock = threading.Lock()

    def get(self, s: Session, topic_arn: str) -> TopicSubscriptions | None:
        """Inside a unit of work: the topic and its compiled subscriptions, or None."""
        version = s.topics.version(topic_arn)
        if version is None:
            return None
        hit = self._topics.get(topic_arn)
        if hit is not None and hit.version == version:
            return hit
        topic = s.topics.get(topic_arn)
        if topic is None:
            return None
        compiled = _compile(topic, s.topics.subscriptions_of(topic_arn))
        with self._lock:
            if len(self._topics) >= _MAX_TOPICS:
                self._topics.clear()
            current = self._topics.get(topic_arn)
            if current is None or current.version <= compiled.version:
                self._topics[topic_arn] = compiled
        return compiled

    def peek(self, topic_arn: str) -> TopicSubscriptions | None:
        """Outside a unit of work: what this node has cached (maybe stale: ``get`` tells)."""
        return self._topics.get(topic_arn)

    def forget(self, topic_arn: str) -> None:
        with self._lock:
            self._topics.pop(topic_arn, None)


def _compile(topic: TopicRecord, subscriptions: list[SubscriptionRecord]) -> TopicSubscriptions:
    confirmed = [sub for sub in subscriptions if sub.confirmed]
    out = TopicSubscriptions((topic.id, topic.version), topic, confirmed)
    for sub in confirmed:
        redrive = sub.attributes.get("RedrivePolicy")
        if redrive:
            target = json.loads(redrive).get("deadLetterTargetArn")
            if isinstance(target, str):
                out.dead_letters[sub.arn] = target
        policy = sub.attributes.get("FilterPolicy")
        if not policy or not policy.strip() or policy.strip() == "{}":
            out.unfiltered.add(sub.arn)
            continue
        scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
        pattern = parse_filter_policy(policy, scope)
        if scope == "MessageBody":
            out.by_body = out.by_body or RuleMatcher()
            out.by_body.add(sub.arn, pattern)
        else:
            out.by_attributes = out.by_attributes or RuleMatcher()
            out.by_attributes.add(sub.arn, pattern)
    return out
