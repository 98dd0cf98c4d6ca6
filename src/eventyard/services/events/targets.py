"""Targets: PutTargets, RemoveTargets, ListTargetsByRule, and what kind of target an ARN is."""

from __future__ import annotations

from typing import Any

from eventyard.core import arns
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services._pagination import Page
from eventyard.services.events import transforms
from eventyard.services.events._base import BusDirectory, bus_name
from eventyard.services.events.rules import rule_in
from eventyard.store import Session, Store

MAX_TARGETS_PER_RULE = 5
LIST_LIMIT = 100


def target_kind(arn_text: str) -> str:
    """Which deliverer invokes a target with this ARN: ``sqs``, ``events`` (another bus),
    ``api-destination``, ``sns``, ``lambda``, ``states`` ... (the ARN's service otherwise)."""
    arn = arns.parse(arn_text)
    if arn is None:
        return "unknown"
    if arn.service == "events":
        return "api-destination" if arn.resource_type == "api-destination" else "events"
    return arn.service


def _validate_target(target: dict[str, Any], index: int) -> None:
    """AWS's checks of one target at PutTargets time (ServiceError on failure)."""
    target_id = target["Id"]
    arn = arns.parse(target["Arn"])
    if arn is None:
        raise ServiceError("ValidationException", f"Parameter {target['Arn']} is not valid. Reason: Provided Arn is not in correct format.")
    transforms.validate_target(target, index=index)
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter is not None:
        dl = arns.parse(dead_letter)
        if dl is None or dl.service != "sqs":
            raise ServiceError("ValidationException",
                               f"Parameter DeadLetterConfig.Arn is not valid for target {target_id}. Reason: The ARN must be an SQS queue ARN.")
        if dl.resource.endswith(".fifo"):  # AWS's answer at PutTargets (CloudTrail), not at delivery
            raise ServiceError("ValidationException", "SQS FIFO is not supported by Dead Letter Queues.")
    if target.get("SqsParameters") is not None and arn.service != "sqs":
        raise ServiceError("ValidationException", f"Parameter(s) SqsParameters not valid for target {target_id}.")
    if arn.service == "sqs" and arn.resource.endswith(".fifo"):
        if not (target.get("SqsParameters") or {}).get("MessageGroupId"):
            raise ServiceError("ValidationException",
                               f"Parameter(s) SqsParameters must be specified for target: {target_id}.")
    kind = target_kind(target["Arn"])
    if target.get("HttpParameters") is not None and kind not in ("api-destination", "execute-api"):
        raise ServiceError("ValidationException", f"Parameter(s) HttpParameters not valid for target {target_id}.")
    if kind == "api-destination" and not target.get("RoleArn"):
        # EventBridge invokes API destinations only through a role (its wording, as recorded)
        raise ServiceError("ValidationException", f"RoleArn is required for target {target['Arn']}.")


class TargetOperations:
    """A rule's targets: put, remove, list."""

    def __init__(self, store: Store, buses: BusDirectory) -> None:
        self.store = store
        self.buses = buses

    async def put_targets(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        name = req["Rule"]
        targets: list[dict[str, Any]] = req["Targets"]
        ids = [t["Id"] for t in targets]
        if len(set(ids)) != len(ids):
            raise ServiceError("ValidationException", "Target ids must be unique within the request.")
        for index, target in enumerate(targets, start=1):
            _validate_target(target, index)
        accepted = targets
        failed: list[dict[str, Any]] = []  # every check above fails the whole call, as on AWS
        await self.buses.ensure_default_for(ctx)

        def put(s: Session) -> None:
            rule = rule_in(s, ctx, bus, name)
            existing = {t.target_id for t in s.event_rules.targets(rule.arn)}
            if len(existing | {t["Id"] for t in accepted}) > MAX_TARGETS_PER_RULE:
                raise ServiceError("LimitExceededException",
                                   "The requested resource exceeds the maximum number allowed.")
            s.event_rules.put_targets(rule.arn, accepted)
            s.event_rules.bump_version(ctx.account, ctx.region, bus)

        await self.store.write(put)
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    async def remove_targets(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        await self.buses.ensure_default_for(ctx)

        def remove(s: Session) -> None:
            rule = rule_in(s, ctx, bus, req["Rule"])
            if rule.managed_by is not None and not req.get("Force"):
                raise ServiceError("ManagedRuleException",
                                   f"Rule {rule.name} is managed by {rule.managed_by} and its targets cannot be removed without Force.")
            s.event_rules.remove_targets(rule.arn, req["Ids"])
            s.event_rules.bump_version(ctx.account, ctx.region, bus)

        await self.store.write(remove)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    async def list_targets_by_rule(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        bus = bus_name(ctx, req.get("EventBusName"), "EventBusName")
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)
        await self.buses.ensure_default_for(ctx)

        def read(s: Session) -> list[dict[str, Any]]:
            rule = rule_in(s, ctx, bus, req["Rule"])
            return [t.spec for t in s.event_rules.targets(rule.arn)]

        shown, token = page.cut(page.resume(await self.store.read(read), _target_id), _target_id)
        out: dict[str, Any] = {"Targets": list(shown)}
        if token is not None:
            out["NextToken"] = token
        return out


def _target_id(spec: dict[str, Any]) -> str:
    return str(spec["Id"])
