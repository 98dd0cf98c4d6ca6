"""SimulatePrincipalPolicy and SimulateCustomPolicy: identity policies evaluated for
action/resource pairs, answered as IAM answers (``allowed`` / ``explicitDeny`` /
``implicitDeny``, the statements that decided, the context keys that were missing).

The evaluator is ``core.policies``'s: a Deny that matches wins, else an Allow that
matches allows; a permissions boundary must allow too. Identity statements carry no
``Principal``; they are read as applying to whoever holds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

from eventyard.core import aws_managed_policies
from eventyard.core.identity import RequestContext
from eventyard.core import policies
from eventyard.core.policies import AccessRequest, Decision, Policy, PolicyError, Principal, parse_policy, statement_matches
from eventyard.core.policies.document import Statement
from eventyard.services.iam._base import IamBase, invalid_input, malformed, no_such_entity, page_of, whole_listing
from eventyard.services.iam.documents import check_identity_policy
from eventyard.store import Session

_LIST_TYPES = frozenset({"stringList", "numericList", "booleanList", "ipList", "binaryList", "dateList"})


@dataclass(frozen=True)
class SourcePolicy:
    """One policy in the simulation, named as IAM names it in MatchedStatements."""

    policy_id: str
    policy_type: str  # user | group | role | aws-managed | user-managed | none
    document: str


def _statements(document: str) -> list[tuple[Statement, list[str]]]:
    """The statements of an identity policy, each applying to any principal, with the
    condition keys each names as written (IAM reports missing keys in their case)."""
    decoded = json.loads(document)
    raw = decoded.get("Statement", [])
    items = [item for item in ([raw] if isinstance(raw, dict) else raw) if isinstance(item, dict)]
    decoded["Statement"] = [{**item, "Principal": "*"} for item in items]
    keys = [[key for tests in (item.get("Condition") or {}).values() if isinstance(tests, dict) for key in tests]
            for item in items]
    return list(zip(parse_policy(decoded).statements, keys))


def _context(entries: Sequence[dict[str, Any]]) -> dict[str, str | list[str]]:
    found: dict[str, str | list[str]] = {}
    for entry in entries:
        values = [str(v) for v in entry.get("ContextKeyValues") or []]
        key = str(entry.get("ContextKeyName", ""))
        if entry.get("ContextKeyType") in _LIST_TYPES or len(values) != 1:
            found[key] = values
        else:
            found[key] = values[0]
    return found


def _decide(sources: Sequence[SourcePolicy], request: AccessRequest) -> tuple[str, list[SourcePolicy], set[str]]:
    """(decision, the policies whose statements decided, condition keys the request lacked)."""
    context = request.condition_context()
    denying: list[SourcePolicy] = []
    allowing: list[SourcePolicy] = []
    missing: set[str] = set()
    for source in sources:
        for st, keys in _statements(source.document):
            bare = Statement(st.effect, st.sid, None, None, st.actions, st.not_actions, st.resources,
                             st.not_resources, (), st.usable)
            if not statement_matches(bare, request, context):
                continue  # action or resource differ: its conditions do not matter
            missing |= {key for key in keys if key.lower() not in context}
            if statement_matches(st, request, context):
                (denying if st.effect == "Deny" else allowing).append(source)
    if denying:
        return "explicitDeny", _unique(denying), missing
    if allowing:
        return "allowed", _unique(allowing), missing
    return "implicitDeny", [], missing


def _unique(sources: list[SourcePolicy]) -> list[SourcePolicy]:
    seen: dict[str, SourcePolicy] = {}
    for source in sources:
        seen.setdefault(source.policy_id, source)
    return list(seen.values())


def _resource_decision(resource_policy: Policy | None, request: AccessRequest) -> str:
    decision = policies.evaluate(resource_policy, request)
    return {Decision.EXPLICIT_DENY: "explicitDeny", Decision.ALLOW: "allowed"}.get(decision, "implicitDeny")


def evaluate(policies: Sequence[SourcePolicy], boundaries: Sequence[SourcePolicy], actions: Sequence[str],
             resources: Sequence[str], context: dict[str, str | list[str]], principal: Principal,
             resource_policy: Policy | None = None) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for action in actions:
        for resource in resources:
            request = AccessRequest(principal, action, resource, context)
            decision, matched, missing = _decide(policies, request)
            # within one account a resource policy's Allow is enough, and its Deny wins
            by_resource = _resource_decision(resource_policy, request)
            if by_resource == "explicitDeny" or (by_resource == "allowed" and decision == "implicitDeny"):
                decision, matched = by_resource, [SourcePolicy("ResourcePolicy", "resource", "")]
            result: dict[str, Any] = {"EvalActionName": action, "EvalResourceName": resource}
            if boundaries:
                bounded, bound_matched, bound_missing = _decide(boundaries, request)
                missing |= bound_missing
                result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": bounded == "allowed"}
                if bounded == "explicitDeny":
                    decision, matched = "explicitDeny", bound_matched
                elif decision == "allowed" and bounded != "allowed":
                    decision, matched = "implicitDeny", []
            result["EvalDecision"] = decision
            result["MatchedStatements"] = [{"SourcePolicyId": m.policy_id, "SourcePolicyType": m.policy_type}
                                           for m in matched]
            result["MissingContextValues"] = sorted(missing)
            results.append(result)
    return results


def _given(params: dict[str, Any], field: str) -> list[SourcePolicy]:
    found = []
    for n, document in enumerate(params.get(field) or [], start=1):
        check_identity_policy(document)
        found.append(SourcePolicy(f"{field}.{n}", "none", document))
    return found


class SimulateOperations(IamBase):
    async def simulate_custom_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        policies = _given(params, "PolicyInputList")
        boundaries = _given(params, "PermissionsBoundaryPolicyInputList")
        caller = params.get("CallerArn")
        principal = Principal(account=ctx.account, arn=caller or f"arn:aws:iam::{ctx.account}:root")
        return self._answer(params, policies, boundaries, principal)

    async def simulate_principal_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        source_arn = params["PolicySourceArn"]
        parts = source_arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or "/" not in parts[5]:
            raise invalid_input(f"Invalid ARN {source_arn}.")
        kind, name = parts[5].split("/", 1)[0], parts[5].rsplit("/", 1)[1]
        if parts[4] != ctx.account or kind not in ("user", "role", "group"):
            raise no_such_entity(f"The {kind} with name {name} cannot be found.")

        def read(s: Session) -> tuple[list[SourcePolicy], list[SourcePolicy]]:
            return self._sources(s, ctx.account, kind, name)

        policies, boundaries = await self.store.read(read)
        policies += _given(params, "PolicyInputList")
        boundaries = _given(params, "PermissionsBoundaryPolicyInputList") or boundaries
        principal = Principal(account=ctx.account, arn=params.get("CallerArn") or source_arn)
        return self._answer(params, policies, boundaries, principal)

    def _sources(self, s: Session, account: str, kind: str, name: str) -> tuple[list[SourcePolicy], list[SourcePolicy]]:
        holders: list[tuple[str, str]] = []  # (principal id, policy type of its inline policies)
        boundary_arn: str | None = None
        if kind == "user":
            user = self._user(s, account, name)
            holders = [(user.user_id, "user")] + [(g.group_id, "group") for g in s.iam.groups_of_user(user.user_id)]
            boundary_arn = user.permissions_boundary_arn
        elif kind == "role":
            role = self._role(s, account, name)
            holders, boundary_arn = [(role.role_id, "role")], role.permissions_boundary_arn
        else:
            holders = [(self._group(s, account, name).group_id, "group")]
        found: list[SourcePolicy] = []
        for principal_id, policy_type in holders:
            for policy_name in s.iam.inline_policy_names(principal_id):
                document = s.iam.inline_policy(principal_id, policy_name)
                if document is not None:
                    found.append(SourcePolicy(policy_name, policy_type, document))
            for arn in s.iam.attached(principal_id):
                found.extend(self._managed(s, arn))
        boundaries = self._managed(s, boundary_arn) if boundary_arn else []
        return found, boundaries

    @staticmethod
    def _managed(s: Session, arn: str) -> list[SourcePolicy]:
        document = s.iam.default_document(arn)
        if document is None:
            return []
        kind = "aws-managed" if aws_managed_policies.is_aws_managed(arn) else "user-managed"
        return [SourcePolicy(arn.rsplit("/", 1)[1], kind, document)]

    @staticmethod
    def _answer(params: dict[str, Any], identity: list[SourcePolicy], boundaries: list[SourcePolicy],
                principal: Principal) -> dict[str, Any]:
        resources = params.get("ResourceArns") or ["*"]
        resource_policy = None
        if params.get("ResourcePolicy"):
            try:
                resource_policy = parse_policy(params["ResourcePolicy"])
            except PolicyError:
                raise malformed("Syntax errors in policy.") from None
        results = evaluate(identity, boundaries, params["ActionNames"], resources,
                           _context(params.get("ContextEntries") or []), principal, resource_policy)
        page = page_of(params)
        keyed = [(f"{n:08d}", r) for n, r in enumerate(results)]
        return whole_listing("EvaluationResults", keyed, page, lambda item: item[0], lambda item: item[1])
