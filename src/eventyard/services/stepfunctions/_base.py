"""What the Step Functions operations share: AWS's errors and names, ARNs, the compiled
definitions cache and the collaborators (store, jobs, wake-ups, the in-process invoker)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import HISTORY_QUOTA, Machine, parse_definition

# (service, operation, params, context) -> the response members: api.invoke.Invoker.invoke
Invoke = Callable[[str, str, dict[str, Any], RequestContext], Awaitable[dict[str, Any]]]

MAX_INPUT_BYTES = 262_144
# Express executions have no history quota on AWS ("Maximum execution history size:
# Unlimited", their history goes to logs); this bound is eventyard's, so that a machine
# looping without waiting cannot hold one unit of work for ever
EXPRESS_EVENTS_BOUND = 1_000_000
MAX_NAME = 80
# Characters AWS refuses in the names of state machines, executions, activities and aliases.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def invalid_arn(arn: str, reason: str | None = None) -> ServiceError:
    return ServiceError("InvalidArn", f"Invalid Arn: '{reason or 'Resource type not valid in this context'}: {arn}'")


def invalid_name(name: str) -> ServiceError:
    return ServiceError("InvalidName", f"Invalid Name: '{name}'")


def machine_not_found(arn: str) -> ServiceError:
    return ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def execution_not_found(arn: str) -> ServiceError:
    return ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def resource_not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def check_name(name: str) -> str:
    if not 1 <= len(name) <= MAX_NAME or _BAD_NAME.search(name):
        raise invalid_name(name)
    return name


@dataclass(frozen=True)
class StatesArn:
    """``arn:aws:states:REGION:ACCOUNT:KIND:NAME[:QUALIFIER[:...]]`` taken apart."""

    region: str
    account: str
    kind: str  # stateMachine | execution | express | activity | mapRun
    parts: tuple[str, ...]  # what follows the kind

    @property
    def base(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}"


def parse_arn(arn: str, *kinds: str) -> StatesArn:
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "states" or not parts[4] or not all(parts[5:]):
        raise invalid_arn(arn)
    if kinds and parts[5] not in kinds:
        raise invalid_arn(arn)
    return StatesArn(parts[3], parts[4], parts[5], tuple(parts[6:]))


def machine_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def owned(ctx: RequestContext, arn: StatesArn, raw: str) -> None:
    """Another account's resource is refused as IAM refuses it (Step Functions has no
    resource policies that could grant it)."""
    if arn.account != ctx.account or arn.region != ctx.region:
        raise ServiceError("AccessDeniedException",
                           f"User: arn:aws:iam::{ctx.account}:root is not authorized to access this resource: {raw}")


@lru_cache(maxsize=512)
def compiled(body: str, machine_type: str) -> Machine:
    """A definition compiled once per text (it was valid when stored)."""
    return parse_definition(body, machine_type=machine_type)


def epoch_seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def tags_in(given: list[dict[str, str]] | None) -> dict[str, str]:
    for index, tag in enumerate(given or [], start=1):
        if "key" not in tag:  # the model leaves it optional; the service requires it
            raise validation(f"1 validation error detected: Value null at 'tags.{index}.member.key' failed to "
                             "satisfy constraint: Member must not be null")
    return {t["key"]: t.get("value", "") for t in given or []}


def check_tags(tags: dict[str, str], resource: str) -> None:
    if len(tags) > 50:
        raise ServiceError("TooManyTags", f"Too many tags: '{resource}'")
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            raise validation("Tag keys starting with 'aws:' are reserved for system use")


def budget_of(machine_type: str) -> int:
    """The history events an execution may have: AWS's quota of 25,000 for Standard."""
    return HISTORY_QUOTA if machine_type == "STANDARD" else EXPRESS_EVENTS_BOUND


_last_second: tuple[int, str] = (-1, "")  # the last second formatted (many events share one)


def iso_second(epoch_second: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC."""
    global _last_second
    second, text = _last_second  # one tuple, replaced whole: safe on any thread
    if second != epoch_second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_second))
        _last_second = (epoch_second, text)
    return text
