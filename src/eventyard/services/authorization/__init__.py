"""``--auth iam``: authorizing every request by AWS's policy evaluation logic.

    requests.requested_access   an operation's IAM action, resources and request tags
    resources.resource_facts    a resource's owner, policy and tags
    enforcer.Enforcer           the hook api.invoke.Invoker calls before each handler
"""

from eventyard.services.authorization.enforcer import Caller, Enforcer, Identity, IdentitySource, store_identity
from eventyard.services.authorization.metrics import DecisionMetrics
from eventyard.services.authorization.requests import RequestedAccess, Where, has_row, requested_access

__all__ = [
    "Caller",
    "DecisionMetrics",
    "Enforcer",
    "Identity",
    "IdentitySource",
    "RequestedAccess",
    "Where",
    "has_row",
    "requested_access",
    "store_identity",
]
