"""Who may act on a function: its own account, and any other account its resource
policy (AddPermission's statements) lets in."""

from __future__ import annotations

from typing import Any

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.functions.names import FunctionRef


def check_access(ctx: RequestContext, ref: FunctionRef, doc: dict[str, Any]) -> None:
    """Another account reaches a function only where its resource policy lets it."""
    if ref.account == ctx.account:
        return
    action = "lambda:" + {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"}.get(
        ctx.operation or "", ctx.operation or "")
    keys = {"", ref.qualifier or ""}
    for key in keys:
        for statement in (doc["policies"].get(key) or {}).get("statements", []):
            if _grants(statement, action, ctx):
                return
    raise ServiceError("AccessDeniedException", f"User: {ctx.principal_arn or f'arn:aws:iam::{ctx.account}:root'} is "
                       f"not authorized to perform: {action} on resource: {ref.qualified_arn} because no "
                       "resource-based policy allows the " + action + " action")


def _grants(statement: dict[str, Any], action: str, ctx: RequestContext) -> bool:
    if statement.get("Effect") != "Allow" or statement.get("Condition"):
        return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else list(actions or [])
    if not any(a in ("*", "lambda:*") or a.lower() == action.lower() for a in actions):
        return False
    principal = statement.get("Principal")
    if principal == "*":
        return True
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    wanted = [aws] if isinstance(aws, str) else list(aws or [])
    return any(p in (ctx.account, f"arn:aws:iam::{ctx.account}:root", ctx.principal_arn) for p in wanted)
