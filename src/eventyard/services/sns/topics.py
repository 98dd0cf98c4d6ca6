"""Topics: create, describe, change, list and delete; tags, permissions and the data
protection policy (stored and returned, not enforced)."""

from __future__ import annotations

import re
from typing import Any

import orjson

from eventyard.core import arns, clock, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.services._pagination import Page
from eventyard.services.sns import delivery_policy
from eventyard.services.sns._common import (
    DEFAULT_MAX_MESSAGE_SIZE,
    INVALID_PARAMETER,
    MAX_MESSAGE_SIZE,
    check_arn,
    default_policy,
    drop_none,
    invalid,
    not_authorized,
    topic_allows,
    too_many_tags,
    topic_not_found,
)
from eventyard.services.sns.directory import TopicDirectory, topic_in
from eventyard.services.sns.matching import SubscriptionCache
from eventyard.store import ConflictError, Session, Store

_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")
_FEEDBACK = re.compile(r"(HTTP|Firehose|Lambda|Application|SQS)(SuccessFeedbackRoleArn|SuccessFeedbackSampleRate|FailureFeedbackRoleArn)")
_SETTABLE = {"DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId", "SignatureVersion",
             "MaximumMessageSize", "ArchivePolicy", "ContentBasedDeduplication", "FifoThroughputScope"}
_FIFO_ONLY = {"ArchivePolicy", "ContentBasedDeduplication", "FifoThroughputScope"}
PAGE = 100
# the actions a topic policy (and AddPermission) may name; others are "out of service scope"
TOPIC_ACTIONS = frozenset({"GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission",
                           "DeleteTopic", "Subscribe", "ListSubscriptionsByTopic", "Publish", "Receive"})


def _bool_text(value: str, name: str) -> str:
    if value.lower() not in ("true", "false"):
        raise invalid(f"{name}: Invalid value [{value}]. Must be true or false.")
    return value.lower()


def check_attribute(name: str, value: str, *, fifo: bool) -> str:
    """One topic attribute as stored, or AWS's InvalidParameter."""
    if name not in _SETTABLE and not _FEEDBACK.fullmatch(name):
        raise invalid(f"AttributeName")
    if name in _FIFO_ONLY and not fifo:
        raise invalid(f"Attributes Reason: {name} is only valid for FIFO topics")
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid("Attributes Reason: SignatureVersion: Invalid value [" + value + "]. Must be 1 or 2.")
    if name == "TracingConfig" and value not in ("PassThrough", "Active"):
        raise invalid("Attributes Reason: TracingConfig: Invalid value [" + value + "]. Must be PassThrough or Active.")
    if name == "FifoThroughputScope" and value not in ("Topic", "MessageGroup"):
        raise invalid("Attributes Reason: FifoThroughputScope: Invalid value [" + value + "]. "
                      "Please use either Topic or MessageGroup")
    if name == "ContentBasedDeduplication":
        return _bool_text(value, name)
    if name == "MaximumMessageSize":
        if not value.isdigit() or not 1024 <= int(value) <= MAX_MESSAGE_SIZE:
            raise invalid(f"Attributes Reason: MaximumMessageSize: Invalid value [{value}]. "
                          f"Must be between 1024 and {MAX_MESSAGE_SIZE}.")
        return str(int(value))
    if name in ("Policy", "ArchivePolicy"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise invalid(f"Attributes Reason: {name}: failed to parse JSON.")
    if name == "DeliveryPolicy":
        delivery_policy.parse_topic_policy(value)
    if name.endswith("SampleRate") and (not value.isdigit() or int(value) > 100):
        raise invalid(f"Attributes Reason: {name}: Invalid value [{value}]. Must be between 0 and 100.")
    return value


class TopicOperations:
    """Topics: create, delete, attributes, list, tags, data protection, permissions."""

    def __init__(self, store: Store, directory: TopicDirectory, subscriptions: SubscriptionCache) -> None:
        self.store = store
        self.directory = directory
        self.subscriptions = subscriptions  # forgotten when a topic changes

    # -- CreateTopic -----------------------------------------------------------------
    async def create_topic(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["Name"]
        given = dict(req.get("Attributes") or {})
        fifo_flag = given.get("FifoTopic")
        fifo = fifo_flag is not None and fifo_flag.lower() == "true"
        if fifo_flag is not None and fifo_flag.lower() not in ("true", "false"):
            raise invalid("Attributes Reason: FifoTopic: Invalid value [" + fifo_flag + "]. Must be true or false.")
        if fifo:
            if not _FIFO_NAME.fullmatch(name):
                raise invalid("Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                              "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between "
                              "1 and 256 characters long.")
        elif not _NAME.fullmatch(name):
            raise invalid("Topic Name")
        given.pop("FifoTopic", None)
        attributes = {k: check_attribute(k, v, fifo=fifo) for k, v in given.items()}
        arn = arns.build("sns", ctx.region, ctx.account, name)
        if fifo:
            attributes.setdefault("ContentBasedDeduplication", "false")
        tags = _tags(req.get("Tags") or [])
        _tagging.check_count(tags, too_many_tags)
        protection = req.get("DataProtectionPolicy")
        if protection is not None:
            _check_protection_policy(protection)
        now = clock.now_ms()

        def unit(s: Session) -> None:
            existing = s.topics.get(arn)
            if existing is not None:
                if existing.fifo != fifo or any(existing.attributes.get(k) != v for k, v in attributes.items()
                                                if k != "ContentBasedDeduplication" or "ContentBasedDeduplication" in given):
                    raise invalid("Attributes Reason: Topic already exists with different attributes")
                current = s.tags.get(arn)
                if tags and any(current.get(k) != v for k, v in tags.items()):
                    raise invalid("Tags Reason: Topic already exists with different tags")
                return
            try:
                s.topics.insert(ctx.account, ctx.region, name, arn, fifo, attributes, protection, now)
            except ConflictError:
                return  # created by a concurrent call: idempotent
            if tags:
                s.tags.put(arn, tags)

        await self.store.write(unit)
        return {"TopicArn": arn}

    async def delete_topic(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        arn = req["TopicArn"]
        check_arn(arn, "TopicArn", region=ctx.region)

        def unit(s: Session) -> None:
            topic = s.topics.get(arn)
            if topic is not None and not topic_allows(topic, ctx.account, "DeleteTopic", ctx.principal_arn):
                raise not_authorized(ctx.account, "DeleteTopic", arn)
            if s.topics.delete(arn):  # deleting a topic that does not exist succeeds, as on AWS
                s.tags.remove_all(arn)

        await self.store.write(unit)
        self.subscriptions.forget(arn)

    # -- attributes ------------------------------------------------------------------
    async def get_topic_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="GetTopicAttributes",
                                  region=ctx.region)
        confirmed, pending = await self.store.read(lambda s: s.topics.count_subscriptions(topic.arn))
        out: dict[str, str] = {
            "Policy": topic.attributes.get("Policy") or default_policy(topic.arn, topic.account_id),
            "Owner": topic.account_id,
            "SubscriptionsPending": str(pending),
            "TopicArn": topic.arn,
            "EffectiveDeliveryPolicy": delivery_policy.effective_topic_policy(topic.attributes.get("DeliveryPolicy")),
            "SubscriptionsConfirmed": str(confirmed),
            "DisplayName": topic.attributes.get("DisplayName", ""),
            "SubscriptionsDeleted": "0",
        }
        for key, value in topic.attributes.items():
            if key not in ("Policy", "DisplayName"):
                out[key] = value
        if topic.fifo:
            out["FifoTopic"] = "true"
            out.setdefault("FifoThroughputScope", "Topic")
        return {"Attributes": out}

    async def set_topic_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="SetTopicAttributes",
                                  region=ctx.region)
        name, value = req["AttributeName"], req.get("AttributeValue") or ""
        if name == "FifoTopic":
            raise invalid("AttributeName")  # it cannot be changed; AWS names only the field
        stored = check_attribute(name, value, fifo=topic.fifo) if value or name in ("DisplayName",) else ""

        def unit(s: Session) -> None:
            current = topic_in(s, topic.arn, for_update=True)
            attributes = dict(current.attributes)
            if stored == "" and name not in ("DisplayName",):
                attributes.pop(name, None)  # an empty value resets the attribute
            else:
                attributes[name] = stored
            if name == "MaximumMessageSize" and int(stored or DEFAULT_MAX_MESSAGE_SIZE) > DEFAULT_MAX_MESSAGE_SIZE:
                subs = s.topics.subscriptions_of(topic.arn)
                if len(subs) > 100 or any(sub.protocol not in ("sqs", "firehose", "lambda") for sub in subs):
                    raise invalid("MaximumMessageSize: A topic with a MaximumMessageSize above 256 KiB must have "
                                  "100 or fewer subscriptions, each of them Amazon SQS, Amazon Data Firehose or Lambda")
            s.topics.set_attributes(topic.arn, attributes)

        await self.store.write(unit)
        self.subscriptions.forget(topic.arn)

    # -- listing ---------------------------------------------------------------------
    async def list_topics(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), PAGE, error_code=INVALID_PARAMETER)
        found = await self.store.read(
            lambda s: s.topics.list(ctx.account, ctx.region, after=page.after, limit=page.read_limit))
        shown, token = page.cut(found, str)
        out: dict[str, Any] = {"Topics": [{"TopicArn": arn} for arn in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    # -- tags ------------------------------------------------------------------------
    async def tag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        arn = req["ResourceArn"]
        tags = _tags(req["Tags"])

        def unit(s: Session) -> None:
            _resource(s, arn, ctx)
            _tagging.add(s, arn, tags, too_many_tags)

        await self.store.write(unit)
        return {}

    async def untag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        arn = req["ResourceArn"]

        def unit(s: Session) -> None:
            _resource(s, arn, ctx)
            _tagging.remove(s, arn, req["TagKeys"])

        await self.store.write(unit)
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        arn = req["ResourceArn"]

        def unit(s: Session) -> dict[str, str]:
            _resource(s, arn, ctx)
            return _tagging.of(s, arn)

        return {"Tags": _tagging.as_list(await self.store.read(unit))}

    # -- data protection policy ------------------------------------------------------
    async def put_data_protection_policy(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        arn = req["ResourceArn"]
        _check_protection_policy(req["DataProtectionPolicy"])

        def unit(s: Session) -> None:
            _resource(s, arn, ctx)
            s.topics.set_data_protection_policy(arn, req["DataProtectionPolicy"] or None)

        await self.store.write(unit)

    async def get_data_protection_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        arn = req["ResourceArn"]
        topic = await self.store.read(lambda s: _resource(s, arn, ctx))
        return drop_none({"DataProtectionPolicy": topic.data_protection_policy})

    # -- permissions -----------------------------------------------------------------
    async def add_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="AddPermission", region=ctx.region)
        label = req["Label"]
        if any(a not in TOPIC_ACTIONS for a in req["ActionName"]):
            raise invalid("Policy statement action out of service scope!")
        accounts = req["AWSAccountId"]
        actions = [f"SNS:{a}" for a in req["ActionName"]]

        def unit(s: Session) -> None:
            current = topic_in(s, topic.arn, for_update=True)
            policy = orjson.loads(current.attributes.get("Policy") or default_policy(topic.arn, topic.account_id))
            statements = policies.statements_of(policy)
            if policies.has_sid(statements, label):
                raise invalid("Statement already exists")
            policy["Statement"] = [*statements, policies.allow_accounts(label, accounts, actions, topic.arn)]
            s.topics.set_attributes(topic.arn, {**current.attributes, "Policy": orjson.dumps(policy).decode()})

        await self.store.write(unit)

    async def remove_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        topic = await self.directory.topic(req["TopicArn"], caller=ctx.account,
                                           principal_arn=ctx.principal_arn, action="RemovePermission",
                                  region=ctx.region)
        label = req["Label"]

        def unit(s: Session) -> None:
            current = topic_in(s, topic.arn, for_update=True)
            policy = orjson.loads(current.attributes.get("Policy") or default_policy(topic.arn, topic.account_id))
            statements = policies.statements_of(policy)
            kept = policies.without_sid(statements, label)
            if len(kept) == len(statements):
                return  # removing a label that is not there succeeds
            policy["Statement"] = kept
            s.topics.set_attributes(topic.arn, {**current.attributes, "Policy": orjson.dumps(policy).decode()})

        await self.store.write(unit)


def _tags(given: list[dict[str, str]]) -> dict[str, str]:
    tags = _tagging.from_list(given)
    if len(tags) != len(given):
        raise invalid("Duplicated keys are not allowed.")
    return tags


def _resource(s: Session, arn: str, ctx: RequestContext) -> Any:
    """The topic a ResourceArn names, if the caller may do ``ctx.operation`` on it."""
    parsed = arns.parse(arn)
    if parsed is None:
        raise invalid(f"ResourceArn Reason: An ARN must have at least 6 elements, not {len(arn.split(':'))}")
    if parsed.service != "sns":
        raise invalid(f"ResourceArn Reason: Incorrect service name {parsed.service}")
    topic = s.topics.get(arn)
    if topic is None:
        raise ServiceError("ResourceNotFoundException", "Resource does not exist")
    if not topic_allows(topic, ctx.account, ctx.operation or "", ctx.principal_arn):
        raise not_authorized(ctx.account, ctx.operation or "", arn)
    return topic


def _check_protection_policy(text: str) -> None:
    if not text:
        return
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        raise invalid("DataProtectionPolicy Reason: Failed to parse the data protection policy JSON")


__all__ = ["TopicOperations", "check_attribute", "topic_not_found"]
