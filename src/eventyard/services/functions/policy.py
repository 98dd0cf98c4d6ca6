"""A function's resource-based policy (AddPermission's statements) as AWS evaluates it,
Conditions included: ``AWS:SourceArn`` (ArnLike), ``AWS:SourceAccount``,
``aws:PrincipalOrgID``, ``lambda:FunctionUrlAuthType`` and ``lambda:EventSourceToken``
(StringEquals).

    function_policy(doc, qualifier)          -> the statements in force for an invocation
    service_may_invoke(doc, ref, service, source_arn, source_account)
                                             an AWS service acting for a resource
                                             (an EventBridge rule, an SNS topic)

The statements in force are the function's own (unqualified) ones and those of the
qualifier it is invoked by, each speaking of the resource it is attached to.
"""

from __future__ import annotations

from typing import Any

import orjson

from eventyard.core import policies
from eventyard.services.functions.names import FunctionRef

INVOKE = "lambda:InvokeFunction"
INVOKE_URL = "lambda:InvokeFunctionUrl"


def policy_text(doc: dict[str, Any], qualifier: str | None) -> str | None:
    """The policy JSON in force for ``qualifier`` (None: unqualified), or None if empty."""
    statements = []
    for key in dict.fromkeys(("", qualifier or "")):
        for statement in (doc["policies"].get(key) or {}).get("statements", []):
            statements.append({k: v for k, v in statement.items() if k != "Resource"})
    if not statements:
        return None
    return orjson.dumps({"Version": "2012-10-17", "Statement": statements}).decode()



def function_policy(doc: dict[str, Any], qualifier: str | None) -> policies.Policy | None:
    text = policy_text(doc, qualifier)
    return None if text is None else policies.stored_policy(text)


def decision(doc: dict[str, Any], ref: FunctionRef, request: policies.AccessRequest) -> policies.Decision:
    return policies.evaluate(function_policy(doc, ref.qualifier), request)


def service_may_invoke(doc: dict[str, Any], ref: FunctionRef, service: str, source_arn: str,
                       source_account: str) -> bool:
    """Whether the policy lets ``service`` (``events.amazonaws.com`` ...) invoke the
    function for the resource ``source_arn`` of ``source_account``."""
    request = policies.AccessRequest(policies.Principal.of_service(service), INVOKE, ref.qualified_arn,
                                     {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account})
    return decision(doc, ref, request) is policies.Decision.ALLOW
