"""Subscriptions: every protocol stored and listed; sqs and lambda confirmed at once, http(s)
confirmed through the ``SubscriptionConfirmation`` POST, email/sms/application kept
pending or confirmed as AWS shows them but never delivered to."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

import orjson

from eventyard.core import arns, clock
from eventyard.core.patterns import json_syntax
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.patterns.sns import parse_filter_policy
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services._pagination import Page
from eventyard.services.sns import delivery_policy, envelope
from eventyard.services.sns._common import (
    INVALID_PARAMETER,
    check_arn,
    check_subscription_arn,
    invalid,
    not_authorized,
    not_found,
    subscription_allows,
    topic_not_found,
)
from eventyard.services.sns.directory import TopicDirectory, topic_in
from eventyard.services.sns.signing import Signer
from eventyard.store import Session, Store
from eventyard.store.deliveries import NewDelivery
from eventyard.store.topics import SubscriptionRecord

PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
CONFIRMED_AT_ONCE = ("sqs", "lambda", "firehose", "application", "sms")
RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")
_SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
             "SubscriptionRoleArn", "ReplayPolicy")
MAX_FILTER_POLICIES = 200  # per topic
PENDING = "pending confirmation"
TOKEN_VALID_MS = 3 * 86_400_000  # a confirmation token works for three days
PAGE = 100
_PHONE = re.compile(r"\+?[1-9][0-9]{1,14}")  # E.164
_TOKEN_SHAPE = re.compile(r"[0-9a-f]{32,2048}")  # SNS tokens are long lower-case hex strings
_SMS_SEPARATORS_MISPLACED = re.compile(r"[./-]{2,}|^[./-]|[./-]$")


def _check_endpoint(protocol: str, endpoint: str | None, *, fifo_topic: bool) -> str:
    if protocol not in PROTOCOLS:
        raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    if fifo_topic and protocol != "sqs":
        raise invalid(f"Invalid protocol type: {protocol}")
    endpoint = endpoint or ""
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://") or len(endpoint) <= len(protocol) + 3:
            raise invalid("Endpoint must match the specified protocol")
    elif protocol == "sqs":
        arn = arns.parse(endpoint)
        if arn is None or arn.service != "sqs":
            raise invalid("SQS endpoint ARN")
        if arn.resource.endswith(".fifo") and not fifo_topic:
            raise invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard "
                          "SNS topics")
    elif protocol == "lambda":
        arn = arns.parse(endpoint)
        if arn is None or arn.service != "lambda":
            raise invalid("Lambda endpoint ARN")
    elif protocol == "firehose":
        arn = arns.parse(endpoint)
        if arn is None or arn.service != "firehose":
            raise invalid("Firehose endpoint ARN")
    elif protocol == "application":
        arn = arns.parse(endpoint)
        if arn is None or arn.service != "sns" or not arn.resource.startswith("endpoint/"):
            raise invalid("Application endpoint arn invalid:" + endpoint)
    elif protocol in ("email", "email-json"):
        if "@" not in endpoint or endpoint.startswith("@") or endpoint.endswith("@"):
            raise invalid("Email address")
    elif protocol == "sms":
        # AWS takes '.', '-' and '/' between digits (never two in a row, nor at either
        # end) and checks what remains as E.164; its message has no "Invalid parameter:"
        if (_SMS_SEPARATORS_MISPLACED.search(endpoint)
                or not _PHONE.fullmatch(re.sub(r"[./-]", "", endpoint))):
            raise ServiceError("InvalidParameterException", f"Invalid SMS endpoint: {endpoint}")
    return endpoint


def check_subscription_attribute(name: str, value: str, protocol: str, *, fifo_topic: bool, subscribe: bool,
                                 scope: str = "MessageAttributes") -> str:
    """One subscription attribute as stored, or AWS's InvalidParameter."""
    where = "Attributes Reason: " if subscribe else ""
    if name not in _SETTABLE:
        raise invalid(f"{where}Unknown attribute: {name}" if subscribe else "AttributeName")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise invalid(f"{where}RawMessageDelivery: Invalid value [{value}]. Must be true or false.")
        if protocol not in RAW_PROTOCOLS:
            raise invalid(f"{where}Delivery protocol [{protocol}] does not support raw message delivery.")
        return value.lower()
    if name == "FilterPolicy":
        parse_filter_policy(value, scope, subscribe=subscribe)
    if name == "FilterPolicyScope":
        parse_filter_policy("", value)  # checks the scope's name
    if name == "DeliveryPolicy":
        if protocol not in ("http", "https"):
            raise invalid(f"{where}DeliveryPolicy: Delivery policy is only supported for HTTP/S subscriptions")
        delivery_policy.parse_subscription_policy(value)
    if name == "RedrivePolicy" and value:
        try:
            policy = orjson.loads(value)
        except orjson.JSONDecodeError:
            located = json_syntax.syntax_error(value)
            raise invalid(f"{where}RedrivePolicy: failed to parse JSON." + (f" {located}" if located else "")) from None
        if not isinstance(policy, dict):
            raise invalid(f"{where}RedrivePolicy: failed to parse JSON.")
        unknown = [key for key in policy if key != "deadLetterTargetArn"]
        if unknown:  # AWS's words (an SQS-style maxReceiveCount is the usual one)
            raise invalid(f"{where}RedrivePolicy: invalid JSON. Attribute {unknown[0]} is unknown.")
        target = policy.get("deadLetterTargetArn")
        parsed = arns.parse(target) if isinstance(target, str) else None
        if parsed is None or parsed.service != "sqs":
            raise invalid(f"{where}RedrivePolicy: deadLetterTargetArn is an invalid arn")
        if fifo_topic and not parsed.resource.endswith(".fifo"):
            raise invalid(f"{where}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.")
    return value


class SubscriptionOperations:
    """Subscriptions: subscribe (with HTTP/S confirmations through the outbox), confirm,
    unsubscribe, attributes, lists."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, directory: TopicDirectory, signer: Signer) -> None:
        self.store = store
        self.runtime = runtime  # kicked after a confirmation is queued
        self.directory = directory
        self.signer = signer

    # -- Subscribe -------------------------------------------------------------------
    async def subscribe(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="Subscribe", region=ctx.region)
        protocol = req["Protocol"].lower() if req["Protocol"].lower() in PROTOCOLS else req["Protocol"]
        endpoint = _check_endpoint(protocol, req.get("Endpoint"), fifo_topic=topic.fifo)
        if protocol == "application" and await self.store.read(lambda s: s.sns_platform.endpoint(endpoint)) is None:
            # AWS's words, without a space before the ARN
            raise invalid(f"Endpoint Reason: Endpoint does not exist for endpoint arn{endpoint}")
        given = dict(req.get("Attributes") or {})
        scope = given.get("FilterPolicyScope", "MessageAttributes")
        attributes = {k: check_subscription_attribute(k, v, protocol, fifo_topic=topic.fifo, subscribe=True, scope=scope)
                      for k, v in given.items()}
        if "FilterPolicyScope" in attributes and "FilterPolicy" not in attributes:
            attributes.pop("FilterPolicyScope")  # a scope without a policy is not kept, as on AWS
        confirmed = protocol in CONFIRMED_AT_ONCE
        token = None if confirmed else secrets.token_hex(64)
        new_arn = f"{topic.arn}:{uuid.uuid4()}"
        now = clock.now_ms()
        key = await self.signer.key() if protocol in ("http", "https") else None

        def unit(s: Session) -> SubscriptionRecord:
            current = topic_in(s, topic.arn)
            for sub in s.topics.subscriptions_of(topic.arn):
                if sub.protocol == protocol and sub.endpoint == endpoint:
                    if any(sub.attributes.get(k) != v for k, v in attributes.items()):
                        raise invalid("Attributes Reason: Subscription already exists with different attributes")
                    return sub
            if "FilterPolicy" in attributes:
                with_policy = sum(1 for sub in s.topics.subscriptions_of(topic.arn) if sub.attributes.get("FilterPolicy"))
                if with_policy >= MAX_FILTER_POLICIES:
                    raise ServiceError("FilterPolicyLimitExceededException", "Filter policy limit exceeded")
            record = SubscriptionRecord(new_arn, topic.arn, ctx.account, ctx.region, protocol, endpoint, confirmed,
                                        token, attributes, now)
            s.topics.subscribe(record)
            if key is not None and token is not None:
                self._confirmation_delivery(s, current.attributes, record, ctx.base_url, key, now)
            return record

        record = await self.store.write(unit)
        if not record.confirmed and record.arn == new_arn:
            self.runtime.kick()
        if record.confirmed or req.get("ReturnSubscriptionArn"):
            return {"SubscriptionArn": record.arn}
        return {"SubscriptionArn": PENDING}

    def _confirmation_delivery(self, s: Session, topic_attributes: dict[str, str], sub: SubscriptionRecord,
                               base_url: str, key: Any, now: int, *, unsubscribed: bool = False) -> None:
        body = envelope.confirmation(sub, base_url, key, topic_attributes.get("SignatureVersion", "1"), now,
                                     unsubscribed=unsubscribed,
                                     token=secrets.token_hex(64) if unsubscribed else None)
        policy = delivery_policy.effective_http_policy(topic_attributes.get("DeliveryPolicy"),
                                                       sub.attributes.get("DeliveryPolicy"))
        headers = envelope.http_headers(body["Type"], body["MessageId"], sub.topic_arn,
                                        sub.arn if unsubscribed else None, raw=False, content_type=policy.content_type)
        s.deliveries.add([NewDelivery(
            origin="sns", account_id=sub.account_id, region=sub.region, target_kind=sub.protocol,
            target={"url": sub.endpoint, "subscription_arn": sub.arn},
            payload={"body": envelope.dumps(body), "headers": headers,
                     "context": {"subscription_arn": sub.arn, "topic_arn": sub.topic_arn, "protocol": sub.protocol,
                                 "policy": policy.as_dict(), "message_id": body["MessageId"], "confirmation": True}},
            created_at=now, due_at=now)])

    async def confirm_subscription(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        topic_arn, token = req["TopicArn"], req["Token"]
        parsed = arns.parse(topic_arn)
        if parsed is None or parsed.service != "sns":
            raise invalid("Topic")
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ServiceError("InvalidParameterException", "Invalid token")
        now = clock.now_ms()

        def unit(s: Session) -> str:
            # AWS never says that the topic is missing; a token of another region's topic is
            # "Topic" (the SubscribeURL is opened unsigned, so the request names no region)
            sub = s.topics.subscription_by_token(token)
            if sub is not None and sub.region != parsed.region:
                raise invalid("Topic")
            if s.topics.get(topic_arn) is None:
                raise invalid("Token")
            if sub is None or sub.topic_arn != topic_arn or now - sub.created_at > TOKEN_VALID_MS:
                raise invalid("Token")
            s.topics.confirm(sub.arn)
            return sub.arn

        arn = await self.store.write(unit)
        return {"SubscriptionArn": arn}

    async def unsubscribe(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        arn = req["SubscriptionArn"]
        check_subscription_arn(arn)
        found = await self.store.read(lambda s: s.topics.subscription(arn))
        # unsigned (the UnsubscribeURL of a message): the ARN itself is the credential
        if found is not None and ctx.access_key is not None and not subscription_allows(found, ctx.account):
            raise not_authorized(ctx.account, "Unsubscribe", arn)
        key = await self.signer.key()
        now = clock.now_ms()

        def unit(s: Session) -> bool:
            sub = s.topics.subscription(arn)
            if sub is None or not s.topics.unsubscribe(arn):
                return False  # one that is gone: success, as on AWS
            topic = s.topics.get(sub.topic_arn)
            if sub.protocol in ("http", "https") and sub.confirmed and topic is not None:
                # AWS tells the endpoint (an UnsubscribeConfirmation, signed like a confirmation)
                self._confirmation_delivery(s, topic.attributes, sub, ctx.base_url, key, now, unsubscribed=True)
                return True
            return False

        if await self.store.write(unit):
            self.runtime.kick()

    # -- attributes ------------------------------------------------------------------
    async def get_subscription_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        sub = await self.directory.subscription(req["SubscriptionArn"], caller=ctx.account, action="GetSubscriptionAttributes")
        topic = await self.store.read(lambda s: s.topics.get(sub.topic_arn))
        out: dict[str, str] = {
            "ConfirmationWasAuthenticated": "true" if sub.confirmed else "false",
            "PendingConfirmation": "false" if sub.confirmed else "true",
            "Owner": sub.account_id,
            "RawMessageDelivery": "false",
            "TopicArn": sub.topic_arn,
            "Endpoint": sub.endpoint,
            "Protocol": sub.protocol,
            "SubscriptionArn": sub.arn,
            "SubscriptionPrincipal": f"arn:aws:iam::{sub.account_id}:root",
        }
        out.update(sub.attributes)
        # the scope shows only with a policy (it is kept meanwhile), as on AWS
        if sub.attributes.get("FilterPolicy"):
            out.setdefault("FilterPolicyScope", "MessageAttributes")
        else:
            out.pop("FilterPolicyScope", None)
            out.pop("FilterPolicy", None)  # an empty one is no policy
        if sub.protocol in ("http", "https"):
            out["EffectiveDeliveryPolicy"] = delivery_policy.effective_subscription_policy(
                topic.attributes.get("DeliveryPolicy") if topic else None, sub.attributes.get("DeliveryPolicy"))
        return {"Attributes": out}

    async def set_subscription_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        sub = await self.directory.subscription(req["SubscriptionArn"], caller=ctx.account, action="SetSubscriptionAttributes")
        name, value = req["AttributeName"], req.get("AttributeValue") or ""
        topic = await self.store.read(lambda s: s.topics.get(sub.topic_arn))
        fifo = bool(topic and topic.fifo)
        scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
        if name == "FilterPolicyScope":
            parse_filter_policy("", value)
            if "FilterPolicy" in sub.attributes:
                parse_filter_policy(sub.attributes["FilterPolicy"], value)
        elif value or name not in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            check_subscription_attribute(name, value, sub.protocol, fifo_topic=fifo, subscribe=False, scope=scope)

        def unit(s: Session) -> None:
            if name == "FilterPolicy" and value:  # the topic's lock serializes the policy count
                topic_in(s, sub.topic_arn, for_update=True)
            current = s.topics.subscription(sub.arn, for_update=True)
            if current is None:
                raise not_found("Subscription does not exist")
            attributes = dict(current.attributes)
            if name == "FilterPolicy" and "FilterPolicy" not in attributes and value:
                with_policy = sum(1 for other in s.topics.subscriptions_of(sub.topic_arn)
                                  if other.attributes.get("FilterPolicy"))
                if with_policy >= MAX_FILTER_POLICIES:
                    raise ServiceError("FilterPolicyLimitExceededException", "Filter policy limit exceeded")
            if value == "" and name in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
                attributes.pop(name, None)
            else:
                attributes[name] = value.lower() if name == "RawMessageDelivery" else value
            s.topics.set_subscription_attributes(sub.arn, attributes)

        await self.store.write(unit)

    # -- listing ---------------------------------------------------------------------
    async def list_subscriptions(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), PAGE, error_code=INVALID_PARAMETER)
        found = await self.store.read(
            lambda s: s.topics.subscriptions_owned(ctx.account, ctx.region, after=page.after, limit=page.read_limit))
        return _listed(page, found)

    async def list_subscriptions_by_topic(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="ListSubscriptionsByTopic",
                                  region=ctx.region)
        page = Page(req.get("NextToken"), PAGE, error_code=INVALID_PARAMETER)
        found = await self.store.read(
            lambda s: s.topics.subscriptions_of(topic.arn, after=page.after, limit=page.read_limit))
        return _listed(page, found)


def _listed(page: Page, found: list[SubscriptionRecord]) -> dict[str, Any]:
    shown, token = page.cut(found, lambda sub: sub.arn)
    out: dict[str, Any] = {"Subscriptions": [{
        "SubscriptionArn": sub.arn if sub.confirmed else "PendingConfirmation",
        "Owner": sub.account_id, "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": sub.topic_arn,
    } for sub in shown]}
    if token is not None:
        out["NextToken"] = token
    return out
