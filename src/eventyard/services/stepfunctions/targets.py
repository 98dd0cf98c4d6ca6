"""State machines as EventBridge targets: an execution starts with the event (or its
transformed input) as input, inside the unit of work that routes the event when the
machine is on this store (``invoke_in_unit``), else through the delivery runtime's
deliverer of kind ``states`` (``deliver``, with its retries and dead letters)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import Failure
from eventyard.services.stepfunctions.executions import check_input
from eventyard.services.stepfunctions.driver import AfterCommit
from eventyard.store import Session
from eventyard.store.deliveries import DeliveryRecord

if TYPE_CHECKING:
    from eventyard.services.stepfunctions.service import StepFunctionsService

log = structlog.get_logger("eventyard.stepfunctions")

# refusals that a later attempt cannot change
_FINAL = frozenset({"StateMachineDoesNotExist", "InvalidArn", "InvalidExecutionInput", "InvalidName",
                    "AccessDeniedException", "StateMachineTypeNotSupported"})


class ExecutionStarter:
    """``target``: ``arn`` (a state machine, version or alias). ``payload``: ``body``, the
    execution's input. The execution's name derives from the delivery, so a repeated
    delivery finds the execution it started instead of starting another."""

    def __init__(self, service: "StepFunctionsService") -> None:
        self.service = service
        # a start inside a start's unit (a rule on the status change events an execution's
        # end puts) goes through the outbox: a rule that starts its own machine again
        # must not loop inside one unit of work
        self._inside = threading.local()

    def invoke_in_unit(self, s: Session, target_arn: str, body: str, now: int) -> Callable[[], None] | None:
        """EventBridge's routing unit of work starts the execution itself (its first steps
        too); None, with nothing written, when it cannot (a refusal, which the outbox's
        delivery then reports as it always does)."""
        if getattr(self._inside, "active", False):
            return None
        context = _context_of(target_arn)
        after = AfterCommit()
        self._inside.active = True
        try:
            check_input(body)
            with s.savepoint():
                self.service.begin_execution(s, context, target_arn, str(uuid.uuid4()), body, None, now, after)
        except ServiceError:
            return None
        except Exception:  # a fault of ours must not fail PutEvents: the outbox tries again
            log.exception("execution.start_in_unit_failed", target=target_arn)
            return None
        finally:
            self._inside.active = False
        return lambda: self.service.driver.signal(after)

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        arn = record.target["arn"]
        context = _context_of(arn, record.account_id, record.region)
        name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventyard-delivery:{record.id}:{record.created_at}"))
        try:
            await self.service.start_execution(context, {"stateMachineArn": arn, "name": name,
                                                         "input": record.payload["body"]})
        except ServiceError as refused:
            if refused.code == "ExecutionAlreadyExists":
                return None  # this delivery started it before
            return Failure(refused.code, refused.message, retryable=refused.code not in _FINAL)
        return None


def _context_of(arn: str, account: str = "", region: str = "") -> RequestContext:
    """The caller a rule's start runs as: the state machine's own account and region."""
    parts = arn.split(":")
    return RequestContext(account=parts[4] if len(parts) > 4 else account,
                          region=parts[3] if len(parts) > 3 else region)
