"""Permissions: PutPermission and RemovePermission, which edit an event bus's resource
policy (shown as ``Policy`` by DescribeEventBus). ``_base.policy_allows`` enforces it
when another account puts events on the bus."""

from __future__ import annotations

import re
from typing import Any

from eventyard.core import clock, jsondoc, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.events._base import BusDirectory, bus_not_found
from eventyard.store import Session, Store

MAX_POLICY_BYTES = 10_240  # "The permission policy on the event bus cannot exceed 10 KB in size."
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_STATEMENT_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def _statement(ctx: RequestContext, bus_arn: str, req: dict[str, Any]) -> dict[str, Any]:
    """The policy statement PutPermission writes for Action/Principal/StatementId/Condition."""
    principal, action, sid, condition = req.get("Principal"), req.get("Action"), req.get("StatementId"), req.get("Condition")
    if principal is None:
        raise ServiceError("ValidationException", "Parameter Principal must be specified.")
    if condition is not None and principal != "*":
        raise ServiceError("InvalidParameterValue",
                           "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.")
    if principal != "*" and not _ACCOUNT.match(principal):
        raise ServiceError("InvalidParameterValue",
                           f"Value {principal} at 'principal' failed to satisfy constraint: "
                           r"Member must satisfy regular expression pattern: (\d{12}|\*)")
    if action != "events:PutEvents":
        raise ServiceError("ValidationException", "Provided value in parameter 'action' is not supported.")
    if sid is None or not _STATEMENT_ID.match(sid):
        raise ServiceError("InvalidParameterValue", r"StatementId must match ^[a-zA-Z0-9-_]{1,64}$")
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
        "Action": action,
        "Resource": bus_arn,
    }
    if condition is not None:
        if condition["Type"] != "StringEquals" or condition["Key"] != "aws:PrincipalOrgID":
            raise ServiceError("ValidationException",
                               "Parameter Condition is not valid. Reason: Only the StringEquals type with the "
                               "aws:PrincipalOrgID key is supported.")
        statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    return statement


def _parsed_policy(text: str) -> dict[str, Any]:
    try:
        policy = jsondoc.loads(text)
    except ValueError:  # nested past the limit as well
        policy = None
    if not isinstance(policy, dict):
        raise ServiceError("ValidationException", "This policy contains invalid Json")
    return policy


def _check_length(text: str) -> None:
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise ServiceError("PolicyLengthExceededException",
                           f"The policy on the event bus cannot exceed {MAX_POLICY_BYTES} bytes.")


class PermissionOperations:
    """PutPermission and RemovePermission: statements of a bus's policy."""

    def __init__(self, store: Store, buses: BusDirectory) -> None:
        self.store = store
        self.buses = buses

    async def put_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        bus = req.get("EventBusName") or "default"
        await self.buses.ensure_default_for(ctx)
        full: str | None = req.get("Policy")
        if full is not None:  # a whole policy replaces the bus's policy
            _parsed_policy(full)
            _check_length(full)

        def put(s: Session) -> None:
            record = s.event_buses.get(ctx.account, ctx.region, bus, for_update=True)
            if record is None:
                raise bus_not_found(bus)
            new_text = full
            if new_text is None:
                added = _statement(ctx, record.arn, req)
                policy = jsondoc.loads(record.policy) if record.policy else {"Version": "2012-10-17", "Statement": []}
                kept = policies.without_sid(policies.statements_of(policy), added["Sid"])
                policy["Statement"] = [*kept, added]
                new_text = jsondoc.dumps(policy)
                _check_length(new_text)
            s.event_bus_policies.set(ctx.account, ctx.region, bus, new_text, clock.now_ms())

        await self.store.write(put)
        return None

    async def remove_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        bus = req.get("EventBusName") or "default"
        await self.buses.ensure_default_for(ctx)
        sid = req.get("StatementId")

        def remove(s: Session) -> None:
            record = s.event_buses.get(ctx.account, ctx.region, bus, for_update=True)
            if record is None:
                raise bus_not_found(bus)
            if req.get("RemoveAllPermissions"):
                s.event_bus_policies.set(ctx.account, ctx.region, bus, None, clock.now_ms())
                return
            policy = jsondoc.loads(record.policy) if record.policy else {"Statement": []}
            statements = policies.statements_of(policy)
            kept = policies.without_sid(statements, sid)
            if sid is None or len(kept) == len(statements):
                raise ServiceError("ResourceNotFoundException", "Statement with the provided id does not exist.")
            policy["Statement"] = kept
            # the last statement gone, the bus has no policy any more
            s.event_bus_policies.set(ctx.account, ctx.region, bus, jsondoc.dumps(policy) if kept else None,
                                     clock.now_ms())

        await self.store.write(remove)
        return None
