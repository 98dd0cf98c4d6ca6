"""Queue operations: create, find, list, delete, attributes, purge, tags, permissions."""

from __future__ import annotations

from typing import Any

import orjson

from eventyard.core import clock, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.wakeups import Keyed
from eventyard.services import _tagging
from eventyard.services._pagination import Page
from eventyard.services.sqs import attributes, errors, redrive, urls, validation
from eventyard.services.sqs.directory import QueueDirectory, latest, queue_url
from eventyard.store import ConflictError, Session, Store
from eventyard.store.queues import QueueRecord

QUEUE_DELETED_WAIT_MS = 60_000
PURGE_INTERVAL_MS = 60_000
MAX_LIST = 1000
MAX_PERMISSION_ACTIONS = 7
# Actions AddPermission cannot grant: AWS lets only the queue's owner call them.
OWNER_ONLY_ACTIONS = frozenset({
    "AddPermission", "CreateQueue", "DeleteQueue", "ListQueues", "ListQueueTags", "RemovePermission",
    "SetQueueAttributes", "TagQueue", "UntagQueue",
})


def _redrive_target(attrs: dict[str, str]) -> str | None:
    policy = attrs.get("RedrivePolicy")
    return orjson.loads(policy)["deadLetterTargetArn"] if policy else None


class QueueOperations:
    """Queues themselves: create, find, list, delete, attributes, purge, tags, permissions."""

    def __init__(self, store: Store, directory: QueueDirectory, wakeups: Keyed) -> None:
        self.store = store
        self.directory = directory
        self.wakeups = wakeups  # long polls, by queue id

    async def create_queue(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["QueueName"]
        given = req.get("Attributes") or {}
        # A .fifo name without FifoQueue=true is refused as a standard queue name, as on AWS.
        fifo = given.get("FifoQueue", "").lower() == "true"
        if not fifo and "FifoQueue" in given:
            raise errors.unknown_attribute("FifoQueue")  # FifoQueue=false too (AWS)
        validation.queue_name(name, fifo=fifo)
        changes = attributes.check(given, fifo=fifo, creating=True)
        wanted = attributes.merged(attributes.initial(fifo), changes)
        tags = validation.tags(req.get("tags") or {})
        _tagging.check_count(tags, validation.too_many_tags(name))
        arn = urls.queue_arn(ctx.region, ctx.account, name)

        def create(s: Session) -> QueueRecord:
            existing = s.queues.get(ctx.account, ctx.region, name)
            if existing is not None:
                for key in changes:
                    if existing.attributes.get(key, "") != wanted.get(key, ""):
                        raise ServiceError(
                            "QueueNameExists",
                            f"A queue already exists with the same name and a different value for attribute {key}",
                        )
                return existing
            now = clock.now_ms()
            if s.queues.deleted_since(ctx.account, ctx.region, name, now - QUEUE_DELETED_WAIT_MS):
                raise ServiceError(
                    "QueueDeletedRecently",
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
                )
            if wanted.get("RedrivePolicy"):
                redrive.check_dead_letter_target(s, None, source_arn=arn, fifo=fifo, policy_text=wanted["RedrivePolicy"])
            record = s.queues.create(
                account_id=ctx.account, region=ctx.region, name=name, arn=arn, fifo=fifo,
                attributes=wanted, dead_letter_target_arn=_redrive_target(wanted), now=now,
            )
            if tags:
                s.tags.put(arn, tags)
            return record

        try:
            record = await self.store.write(create)
        except ConflictError:  # a concurrent create won: compare with it
            record = await self.store.write(create)
        return {"QueueUrl": queue_url(ctx, record)}

    async def get_queue_url(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        account = req.get("QueueOwnerAWSAccountId") or ctx.account
        record = await self.directory.find(ctx, f"/{account}/{req['QueueName']}")
        return {"QueueUrl": queue_url(ctx, record)}

    async def list_queues(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        limit = req.get("MaxResults")
        if limit is not None and not 1 <= limit <= MAX_LIST:
            raise errors.invalid_value("MaxResults", limit, f"MaxResults must be an integer between 1 and {MAX_LIST}.")
        page = Page(req.get("NextToken"), limit or MAX_LIST, error_code=errors.INVALID_PARAMETER)
        prefix = req.get("QueueNamePrefix")
        found = await self.store.read(
            lambda s: s.queues.list(ctx.account, ctx.region, prefix=prefix, after=page.after, limit=page.read_limit)
        )
        shown, token = page.cut(found, lambda q: q.name)
        out: dict[str, Any] = {}
        if shown:
            out["QueueUrls"] = [queue_url(ctx, q) for q in shown]
        if limit is not None and token is not None:  # AWS paginates only when asked to
            out["NextToken"] = token
        return out

    async def delete_queue(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])

        def delete(s: Session) -> None:
            current = s.queues.get_by_id(record.id)
            if current is not None:
                s.queues.delete(current, clock.now_ms())
                s.tags.remove_all(current.arn)

        await self.store.write(delete)
        self.directory.forget(record)
        self.wakeups.signal(record.id)  # long polls on it end

    async def get_queue_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        wanted = attributes.requested(req.get("AttributeNames"))
        record = await self.directory.find(ctx, req["QueueUrl"])
        counted = wanted & {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                            "ApproximateNumberOfMessagesDelayed"}

        def read(s: Session) -> tuple[QueueRecord, Any]:
            current = latest(s, record.id)
            counts = s.messages.counts(current.id, now=clock.now_ms(), after_id=current.purged_upto) if counted else None
            return current, counts

        current, counts = await self.store.read(read)
        values: dict[str, str] = {}
        for name in sorted(wanted):
            if name in current.attributes:
                values[name] = current.attributes[name]
        if current.attributes.get("KmsMasterKeyId") and "KmsDataKeyReusePeriodSeconds" in wanted:
            values.setdefault("KmsDataKeyReusePeriodSeconds", "300")
        if counts is not None:
            computed = {
                "ApproximateNumberOfMessages": counts.visible,
                "ApproximateNumberOfMessagesNotVisible": counts.in_flight,
                "ApproximateNumberOfMessagesDelayed": counts.delayed,
            }
            values.update({k: str(v) for k, v in computed.items() if k in wanted})
        if "CreatedTimestamp" in wanted:
            values["CreatedTimestamp"] = str(current.created_at // 1000)
        if "LastModifiedTimestamp" in wanted:
            values["LastModifiedTimestamp"] = str(current.modified_at // 1000)
        if "QueueArn" in wanted:
            values["QueueArn"] = current.arn
        return {"Attributes": values} if values else {}

    async def set_queue_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        changes = attributes.check(req.get("Attributes") or {}, fifo=record.fifo, creating=False)

        def update(s: Session) -> None:
            current = latest(s, record.id, for_update=True)
            new = attributes.merged(current.attributes, changes)
            if new.get("RedrivePolicy") and new.get("RedrivePolicy") != current.attributes.get("RedrivePolicy"):
                redrive.check_dead_letter_target(s, current, source_arn=current.arn, fifo=current.fifo,
                                                 policy_text=new["RedrivePolicy"])
            s.queues.set_attributes(current.id, new, _redrive_target(new), clock.now_ms())
            old_retention = int(current.attributes.get("MessageRetentionPeriod", attributes.DEFAULTS["MessageRetentionPeriod"]))
            new_retention = int(new["MessageRetentionPeriod"])
            if new_retention < old_retention:
                s.messages.shorten_retention(current.id, new_retention * 1000)

        await self.store.write(update)
        self.directory.forget(record)
        self.wakeups.signal(record.id)

    async def purge_queue(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])

        def purge(s: Session) -> None:
            current = latest(s, record.id)
            now = clock.now_ms()
            if current.purged_at is not None and now - current.purged_at < PURGE_INTERVAL_MS:
                raise ServiceError(
                    "PurgeQueueInProgress", f"Only one PurgeQueue operation on {current.name} is allowed every 60 seconds."
                )
            s.queues.purge(current.id, now=now, upto=s.messages.last_id())
            if current.fifo:
                s.messages.drop_groups(current.id)
                s.messages.forget_dedups(current.id)

        await self.store.write(purge)
        self.directory.forget(record)

    # -- tags ----------------------------------------------------------------------
    async def tag_queue(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        if not req["Tags"]:
            raise errors.missing("Tags")
        tags = validation.tags(req["Tags"])

        def tag(s: Session) -> None:
            current = latest(s, record.id)
            _tagging.add(s, current.arn, tags, validation.too_many_tags(current.name))

        await self.store.write(tag)

    async def untag_queue(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        keys = list(req["TagKeys"])
        if not keys:
            raise errors.invalid("Tag keys must be between 1 and 128 characters in length.")
        await self.store.write(lambda s: _tagging.remove(s, latest(s, record.id).arn, keys))

    async def list_queue_tags(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        tags = await self.store.read(lambda s: _tagging.of(s, latest(s, record.id).arn))
        return {"Tags": tags} if tags else {}

    # -- permissions (statements of the queue's Policy) ---------------------------------------
    async def add_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        label: str = req["Label"]
        accounts, actions = list(req["AWSAccountIds"]), list(req["Actions"])
        if not accounts or not actions:
            raise errors.missing("AWSAccountIds" if not accounts else "Actions")
        if len(actions) > MAX_PERMISSION_ACTIONS:
            raise ServiceError("OverLimit", f"{len(actions)} Actions were found, maximum allowed is {MAX_PERMISSION_ACTIONS}.")
        for action in actions:
            if action in OWNER_ONLY_ACTIONS:
                raise errors.invalid_value(
                    "ActionName", f"SQS:{action}", "Only the queue owner is allowed to invoke this action."
                )
        statement = policies.allow_accounts(label, accounts, [f"SQS:{a}" for a in actions], record.arn)

        def add(s: Session) -> None:
            current = latest(s, record.id, for_update=True)
            policy = _policy(current)
            if policies.has_sid(policy["Statement"], label):
                raise errors.invalid_value("Label", label, "Already exists.")
            policy["Statement"].append(statement)
            new = {**current.attributes, "Policy": orjson.dumps(policy).decode()}
            s.queues.set_attributes(current.id, new, current.dead_letter_target_arn, clock.now_ms())

        await self.store.write(add)
        self.directory.forget(record)

    async def remove_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        record = await self.directory.find(ctx, req["QueueUrl"])
        label: str = req["Label"]

        def remove(s: Session) -> None:
            current = latest(s, record.id, for_update=True)
            policy = _policy(current)
            kept = policies.without_sid(policy["Statement"], label)
            if len(kept) == len(policy["Statement"]):
                raise errors.invalid_value("Label", label, "can't find label.")
            new = dict(current.attributes)
            if kept:
                new["Policy"] = orjson.dumps({**policy, "Statement": kept}).decode()
            else:
                new.pop("Policy", None)
            s.queues.set_attributes(current.id, new, current.dead_letter_target_arn, clock.now_ms())

        await self.store.write(remove)
        self.directory.forget(record)


def _policy(record: QueueRecord) -> dict[str, Any]:
    if record.attributes.get("Policy"):
        policy: dict[str, Any] = orjson.loads(record.attributes["Policy"])
        policy["Statement"] = policies.statements_of(policy)
        return policy
    return {"Version": "2008-10-17", "Id": f"{record.arn}/SQSDefaultPolicy", "Statement": []}  # AWS's, for AddPermission
