"""Amazon SQS: every operation, on the store."""

from __future__ import annotations

from eventyard.services._operations import OperationTable
from eventyard.services.sqs.dead_letters import DeadLetterOperations
from eventyard.services.sqs.inbound import InboundOperations
from eventyard.services.sqs.inflight import InFlightOperations
from eventyard.services.sqs.messages import MessageOperations
from eventyard.services.sqs.queues import QueueOperations


class SqsService(QueueOperations, MessageOperations, InFlightOperations, DeadLetterOperations, InboundOperations):
    """One method per SQS operation (``send_message`` for SendMessage ..., declared in
    ``OPERATIONS`` below).

    The operations live in one module per concern and share ``SqsBase`` (store, queue
    lookups, long-poll wake-ups, background upkeep).
    """


# Every SQS operation eventyard serves, and the method serving it: nothing else
# of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "AddPermission": SqsService.add_permission,
    "CancelMessageMoveTask": SqsService.cancel_message_move_task,
    "ChangeMessageVisibility": SqsService.change_message_visibility,
    "ChangeMessageVisibilityBatch": SqsService.change_message_visibility_batch,
    "CreateQueue": SqsService.create_queue,
    "DeleteMessage": SqsService.delete_message,
    "DeleteMessageBatch": SqsService.delete_message_batch,
    "DeleteQueue": SqsService.delete_queue,
    "GetQueueAttributes": SqsService.get_queue_attributes,
    "GetQueueUrl": SqsService.get_queue_url,
    "ListDeadLetterSourceQueues": SqsService.list_dead_letter_source_queues,
    "ListMessageMoveTasks": SqsService.list_message_move_tasks,
    "ListQueueTags": SqsService.list_queue_tags,
    "ListQueues": SqsService.list_queues,
    "PurgeQueue": SqsService.purge_queue,
    "ReceiveMessage": SqsService.receive_message,
    "RemovePermission": SqsService.remove_permission,
    "SendMessage": SqsService.send_message,
    "SendMessageBatch": SqsService.send_message_batch,
    "SetQueueAttributes": SqsService.set_queue_attributes,
    "StartMessageMoveTask": SqsService.start_message_move_task,
    "TagQueue": SqsService.tag_queue,
    "UntagQueue": SqsService.untag_queue,
}
