"""Resource policies: one document model and one evaluator for every service's
resource policies (SQS queue policies, SNS topic policies, EventBridge bus policies).

    parse_policy(text) -> Policy           lenient; Policy.problems lists what is wrong
    stored_policy(text) -> Policy | None   the same, cached per text, None where it does not parse
    evaluate(policy, AccessRequest)        -> Decision (EXPLICIT_DENY | ALLOW | IMPLICIT_DENY)
    authorize(policy, request, owner=...)  the owner needs no Allow; others do; Deny wins
    decide(request, PoliciesInForce)       AWS's whole evaluation logic for an IAM identity
                                           (identity policies, boundaries, session policies,
                                           resource policies, cross-account): ``--auth iam``
    allow_accounts / statements_of / has_sid / without_sid   AddPermission-style edits by Sid

Pure: no I/O, no clock. Callers put what they know of the request (``aws:SourceArn``,
``aws:SourceAccount``, ``aws:CurrentTime`` ...) into ``AccessRequest.context``.
"""

from eventyard.core.policies.conditions import ConditionContext, clause_holds, conditions_hold, known_operator
from eventyard.core.policies.decision import PoliciesInForce, Verdict, decide, denial_message
from eventyard.core.policies.document import (
    ConditionClause,
    Policy,
    PolicyError,
    PrincipalSet,
    Statement,
    parse_policy,
    stored_policy,
)
from eventyard.core.policies.evaluate import (
    AccessRequest,
    Decision,
    Principal,
    authorize,
    evaluate,
    principal_grant,
    root_arn,
    statement_matches,
)
from eventyard.core.policies.statements import allow_accounts, has_sid, one_or_many, statements_of, without_sid

__all__ = [
    "AccessRequest",
    "ConditionClause",
    "ConditionContext",
    "Decision",
    "Policy",
    "PolicyError",
    "Principal",
    "PoliciesInForce",
    "PrincipalSet",
    "Statement",
    "Verdict",
    "allow_accounts",
    "authorize",
    "clause_holds",
    "conditions_hold",
    "decide",
    "denial_message",
    "evaluate",
    "has_sid",
    "known_operator",
    "one_or_many",
    "parse_policy",
    "stored_policy",
    "principal_grant",
    "root_arn",
    "statement_matches",
    "statements_of",
    "without_sid",
]
