"""How a request names a function, and the ARNs Lambda hands out.

``FunctionName`` may be a name, ``name:qualifier``, ``account:function:name[:qualifier]``
or a full ARN; ``Qualifier`` may be given beside it and must then agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext

LATEST = "$LATEST"
_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([^:]+)(?::([^:]+))?$")
_PARTIAL = re.compile(r"^(\d{12}):function:([^:]+)(?::([^:]+))?$")
_PLAIN = re.compile(r"^([^:]+)(?::([^:]+))?$")
NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ALIAS = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")


@dataclass(frozen=True)
class FunctionRef:
    account: str
    region: str
    name: str
    qualifier: str | None  # None: unqualified ($LATEST for invocations)

    @property
    def arn(self) -> str:
        return function_arn(self.region, self.account, self.name)

    @property
    def qualified_arn(self) -> str:
        return self.arn if self.qualifier is None else f"{self.arn}:{self.qualifier}"


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return arn if qualifier is None else f"{arn}:{qualifier}"


def layer_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:layer:{name}"


def resolve(ctx: RequestContext, given: str, qualifier: str | None = None) -> FunctionRef:
    account, region = ctx.account, ctx.region
    found_qualifier: str | None
    m = _ARN.match(given)
    if m:
        region, account, name, found_qualifier = m.groups()
    elif (p := _PARTIAL.match(given)) is not None:
        account, name, found_qualifier = p.groups()
    elif (q := _PLAIN.match(given)) is not None:
        name, found_qualifier = q.groups()
    else:
        raise ServiceError("ValidationException", f"1 validation error detected: Value '{given}' at 'functionName' "
                           "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                           "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                           "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")
    if found_qualifier is not None and qualifier is not None and found_qualifier != qualifier:
        raise ServiceError("InvalidParameterValueException",
                           "The derived qualifier from the function name does not match the specified qualifier.")
    return FunctionRef(account, region, name, found_qualifier if found_qualifier is not None else qualifier)


def not_found(ref: FunctionRef, qualifier: str | None = None) -> ServiceError:
    q = qualifier if qualifier is not None else ref.qualifier
    return ServiceError("ResourceNotFoundException", f"Function not found: {function_arn(ref.region, ref.account, ref.name, q)}")


def last_modified(now_ms: int) -> str:
    """Lambda's ``LastModified``: ``2024-01-01T12:00:00.000+0000``."""
    moment = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
