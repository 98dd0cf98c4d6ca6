"""What the EventBridge operations share: buses by name, errors, policies."""

from __future__ import annotations

from typing import Any

import orjson

from eventyard.core import arns, clock, jsondoc, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services import _tagging
from eventyard.store import Store
from eventyard.store.event_buses import EventBusRecord

DEFAULT_BUS = "default"
MAX_BUSES = 100  # AWS quota: event buses per account and region


def too_many_tags_given() -> ServiceError:
    return ServiceError("ValidationException", f"Tags must contain at most {_tagging.MAX_TAGS} entries.")


def too_many_tags_on_resource() -> ServiceError:
    return ServiceError("ValidationException", f"A resource can have at most {_tagging.MAX_TAGS} tags.")


def bus_arn(ctx: RequestContext, name: str) -> str:
    return arns.build("events", ctx.region, ctx.account, f"event-bus/{name}")


# TestEventPattern insists on these envelope fields ("resources" is documented, not enforced)
_TEST_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def _test_event(text: str) -> dict[str, Any]:
    try:
        event = jsondoc.loads(text)  # the last of duplicate keys wins, as on AWS
    except ValueError:  # TooDeep included
        event = None
    if not isinstance(event, dict) or any(f not in event for f in _TEST_EVENT_FIELDS):
        raise ServiceError("ValidationException", "Parameter Event is not valid.")
    return event


def bus_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Event bus {name} does not exist.")


def policy_allows(policy: dict[str, Any], sender_account: str, resource: str,
                  org_id: str | None = None, principal_arn: str | None = None) -> bool:
    """Whether the bus's resource policy lets ``sender_account`` call ``events:PutEvents``
    on ``resource`` (the shared evaluator in ``core.policies``: an ``Allow`` whose
    principal, action, resource and conditions hold, and no such ``Deny``).
    Conditions on what the server does not know (``aws:PrincipalOrgID`` when the caller's
    organization is unknown) do not hold: ``"Principal": "*"`` limited to an organization
    never lets in a caller that cannot be shown to belong to it."""
    try:
        parsed = policies.parse_policy(policy)
    except policies.PolicyError:
        return False
    context = {"aws:PrincipalOrgID": org_id} if org_id is not None else {}
    # the sender's user or role session when known (a statement may name it), else its account
    request = policies.AccessRequest(policies.Principal.of_arn(sender_account, principal_arn), "events:PutEvents",
                                     resource, context)
    return policies.evaluate(parsed, request) is policies.Decision.ALLOW


class BusDirectory:
    """Each account's and region's buses: the ``default`` bus made on first use, and
    whether a bus's policy lets another account put events on it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # (account, region) pairs whose default bus is known to exist
        self._defaults_ready: set[tuple[str, str]] = set()

    async def ensure_default_for(self, ctx: RequestContext) -> None:
        await self.ensure_default_bus(ctx.account, ctx.region)

    async def ensure_default_bus(self, account: str, region: str) -> None:
        """Every account and region has a ``default`` bus; materialize it on first use."""
        scope = (account, region)
        if scope in self._defaults_ready:
            return
        now = clock.now_ms()
        arn = arns.build("events", region, account, f"event-bus/{DEFAULT_BUS}")
        record = EventBusRecord(account, region, DEFAULT_BUS, arn, None, None, None, None, None, now, now)
        await self.store.write(lambda s: s.event_buses.insert(record, if_absent=True))
        self._defaults_ready.add(scope)

    async def bus_allows(self, account: str, region: str, bus: str, sender_account: str,
                         principal_arn: str | None = None) -> bool:
        """Whether the bus's resource policy lets ``sender_account`` put events on it."""
        if account == sender_account:
            return True
        record = await self.store.read(lambda s: s.event_buses.get(account, region, bus))
        if record is None or not record.policy:
            return False
        return policy_allows(jsondoc.loads(record.policy), sender_account, record.arn, principal_arn=principal_arn)


def bus_name(ctx: RequestContext, name_or_arn: str | None, field: str = "Name") -> str:
    """Buses are named by name or ARN; an ARN must be of this account and region."""
    if not name_or_arn:
        return DEFAULT_BUS
    if not name_or_arn.startswith("arn:"):
        return name_or_arn
    arn = arns.parse(name_or_arn)
    if arn is None or arn.service != "events" or arn.resource_type != "event-bus":
        raise ServiceError("ValidationException", f"Parameter {field} is not valid. Reason: {name_or_arn} is not an event bus ARN.")
    if arn.account != ctx.account or arn.region != ctx.region:
        raise bus_not_found(arn.resource_id)
    return arn.resource_id


def describe_bus(record: EventBusRecord, *, brief: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": record.name, "Arn": record.arn}
    if record.description is not None:
        out["Description"] = record.description
    if not brief:
        if record.kms_key_identifier is not None:
            out["KmsKeyIdentifier"] = record.kms_key_identifier
        if record.dead_letter_arn is not None:
            out["DeadLetterConfig"] = {"Arn": record.dead_letter_arn}
        if record.log_config is not None:
            out["LogConfig"] = orjson.loads(record.log_config)
    if record.policy is not None:
        out["Policy"] = record.policy
    out["CreationTime"] = record.created_at / 1000  # stored in ms, answered in seconds
    out["LastModifiedTime"] = record.modified_at / 1000
    return out
