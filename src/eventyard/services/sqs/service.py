"""Amazon SQS: every operation, on the store."""

from __future__ import annotations

from eventyard.services.sqs.dead_letters import DeadLetterOperations
from eventyard.services.sqs.inbound import InboundOperations
from eventyard.services.sqs.inflight import InFlightOperations
from eventyard.services.sqs.messages import MessageOperations
from eventyard.services.sqs.queues import QueueOperations


class SqsService(QueueOperations, MessageOperations, InFlightOperations, DeadLetterOperations, InboundOperations):
    """One method per SQS operation (``send_message`` for SendMessage ...).

    The operations live in one module per concern and share ``SqsBase`` (store, queue
    lookups, long-poll wake-ups, background upkeep).
    """
