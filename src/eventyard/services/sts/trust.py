"""A role's trust policy (its AssumeRolePolicyDocument) asked whether a caller may
assume it, with ``core.policies``' evaluator: only an explicit Allow that no Deny
overrides lets the caller in."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from eventyard.core.identity import Identity
from eventyard.core.policies import AccessRequest, Decision, Principal, evaluate, parse_policy
from eventyard.core.policies.document import PolicyError


def trusts(trust_policy: str, caller: Identity, action: str, role_arn: str,
           context: Mapping[str, str | Sequence[str]]) -> bool:
    """Whether the policy allows ``caller`` (an IAM principal) ``action`` on the role."""
    try:
        policy = parse_policy(trust_policy)
    except PolicyError:
        return False
    # a role session is named in policies by its role's ARN (aws:PrincipalArn)
    arn = caller.role_arn if caller.kind == "assumed-role" and caller.role_arn else caller.arn
    keys = {"aws:PrincipalArn": arn, "aws:userid": caller.principal_id, **context}
    if caller.kind == "user" and caller.name:
        keys["aws:username"] = caller.name
    request = AccessRequest(Principal(account=caller.account, arn=arn), action, role_arn, keys)
    decision = evaluate(policy, request)
    if decision is Decision.ALLOW or caller.kind != "assumed-role":
        return decision is Decision.ALLOW
    # a policy may also name the one session: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    by_session = AccessRequest(Principal(account=caller.account, arn=caller.arn), action, role_arn, keys)
    return evaluate(policy, by_session) is Decision.ALLOW


def trusts_federated(trust_policy: str, provider_names: Sequence[str], action: str, role_arn: str,
                     context: Mapping[str, str | Sequence[str]]) -> bool:
    """Whether the policy allows a web identity of a provider (named in ``Principal``'s
    ``Federated`` by one of ``provider_names``) ``action`` on the role. Statements naming
    other principals do not speak of it; those naming the provider are evaluated as if
    they named everyone, with the token's claims as condition keys."""
    try:
        document = json.loads(trust_policy)
    except ValueError:
        return False
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    kept: list[Any] = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            kept.append(statement)
        elif isinstance(principal, dict):
            federated = principal.get("Federated")
            names = federated if isinstance(federated, list) else [federated]
            if any(name in provider_names for name in names):
                kept.append({**statement, "Principal": "*"})
    policy = parse_policy({**document, "Statement": kept})
    return evaluate(policy, AccessRequest(Principal(), action, role_arn, context)) is Decision.ALLOW
