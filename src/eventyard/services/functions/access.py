"""Who may act on a function: its own account, and any other account its resource
policy (AddPermission's statements, Conditions included) lets in."""

from __future__ import annotations

from typing import Any

from eventyard.core import policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.functions import policy
from eventyard.services.functions.names import FunctionRef


def check_access(ctx: RequestContext, ref: FunctionRef, doc: dict[str, Any]) -> None:
    """Another account reaches a function only where its resource policy lets it."""
    if ref.account == ctx.account:
        return
    action = "lambda:" + {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"}.get(
        ctx.operation or "", ctx.operation or "")
    request = policies.AccessRequest(policies.Principal.of_arn(ctx.account, ctx.principal_arn), action,
                                     ref.qualified_arn)
    if policy.decision(doc, ref, request) is policies.Decision.ALLOW:
        return
    raise ServiceError("AccessDeniedException", f"User: {ctx.principal_arn or f'arn:aws:iam::{ctx.account}:root'} is "
                       f"not authorized to perform: {action} on resource: {ref.qualified_arn} because no "
                       "resource-based policy allows the " + action + " action")
