"""State machines as EventBridge targets: the delivery runtime's deliverer of kind
``states`` starts an execution with the event (or its transformed input) as input."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import Failure
from eventyard.store.deliveries import DeliveryRecord

if TYPE_CHECKING:
    from eventyard.services.stepfunctions.service import StepFunctionsService

# refusals that a later attempt cannot change
_FINAL = frozenset({"StateMachineDoesNotExist", "InvalidArn", "InvalidExecutionInput", "InvalidName",
                    "AccessDeniedException", "StateMachineTypeNotSupported"})


class ExecutionStarter:
    """``target``: ``arn`` (a state machine, version or alias). ``payload``: ``body``, the
    execution's input. The execution's name derives from the delivery, so a repeated
    delivery finds the execution it started instead of starting another."""

    def __init__(self, service: "StepFunctionsService") -> None:
        self.service = service

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        arn = record.target["arn"]
        parts = arn.split(":")
        context = RequestContext(account=parts[4] if len(parts) > 4 else record.account_id,
                                 region=parts[3] if len(parts) > 3 else record.region)
        name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventyard-delivery:{record.id}:{record.created_at}"))
        try:
            await self.service.start_execution(context, {"stateMachineArn": arn, "name": name,
                                                         "input": record.payload["body"]})
        except ServiceError as refused:
            if refused.code == "ExecutionAlreadyExists":
                return None  # this delivery started it before
            return Failure(refused.code, refused.message, retryable=refused.code not in _FINAL)
        return None
