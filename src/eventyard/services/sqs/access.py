"""Who may act on a queue: its own account, or another one its queue policy lets in.

AWS's rules: the owner needs no grant; another account needs an ``Allow`` in the queue
policy (``Policy`` attribute) for the action; an explicit ``Deny`` stops everyone. Some
actions are never granted to other accounts ("Cross-account permissions don't apply to
the following actions", SQS developer guide). A denied call answers ``AccessDenied``
(403), except ``GetQueueUrl``, which answers as if the queue did not exist.
"""

from __future__ import annotations


from eventyard.core import policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.store.queues import QueueRecord

OWNER_ONLY = frozenset({
    "AddPermission", "CancelMessageMoveTask", "CreateQueue", "DeleteQueue", "ListMessageMoveTasks", "ListQueues",
    "ListQueueTags", "RemovePermission", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
})
# the permission a batch operation needs is its single form's
_PERMISSION = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
# editing the policy stays open to the owner whatever the policy says (no lock-out)
_POLICY_ADMIN = frozenset({"SetQueueAttributes", "AddPermission", "RemovePermission"})



def allows(ctx: RequestContext, queue: QueueRecord, operation: str | None) -> bool:
    if ctx.account == queue.account_id and operation is None:
        return True  # in-process calls of the owner's own work
    if ctx.account != queue.account_id and (operation is None or operation in OWNER_ONLY):
        return False
    text = queue.attributes.get("Policy")
    if not text:  # no policy: the owner may, no one else (what ``authorize`` decides, without building the request)
        return ctx.account == queue.account_id
    action = f"sqs:{_PERMISSION.get(operation or '', operation)}"
    # the signer itself (a user or role session in --auth iam): a policy may name it
    principal = policies.Principal.of_arn(ctx.account, ctx.principal_arn)
    request = policies.AccessRequest(principal, action, queue.arn)
    return policies.authorize(policies.stored_policy(text), request, owner=queue.account_id,
                              policy_admin=operation in _POLICY_ADMIN)


def denied(ctx: RequestContext, operation: str | None) -> ServiceError:
    if operation == "GetQueueUrl":
        return ServiceError("QueueDoesNotExist", "The specified queue does not exist or you do not have access to it.")
    return ServiceError("AccessDeniedException", f"Access to the resource {ctx.base_url}/ is denied.")


def check(ctx: RequestContext, queue: QueueRecord) -> None:
    """Raise AWS's refusal unless the caller may do ``ctx.operation`` on ``queue``."""
    if not allows(ctx, queue, ctx.operation):
        raise denied(ctx, ctx.operation)


def delivery_allowed(queue: QueueRecord, sender_account: str, via: tuple[str, str] | None) -> bool:
    """Whether a service may put a message of ``sender_account``'s resource on a queue of
    another account: the queue policy must allow the service principal (``via``: e.g.
    ``("sns.amazonaws.com", topic ARN)``) ``sqs:SendMessage``, with ``aws:SourceArn`` and
    ``aws:SourceAccount`` set for its conditions. (Deliveries within one account are
    let through without a policy, unlike AWS, which wants one there too.)"""
    if sender_account == queue.account_id:
        return True
    text = queue.attributes.get("Policy")
    if via is None or not text:
        return False
    service, source_arn = via
    request = policies.AccessRequest(policies.Principal.of_service(service), "sqs:SendMessage", queue.arn,
                                     {"aws:SourceArn": source_arn, "aws:SourceAccount": sender_account})
    return policies.evaluate(policies.stored_policy(text), request) is policies.Decision.ALLOW
