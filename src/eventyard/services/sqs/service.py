"""Amazon SQS: every operation, on the store."""

from __future__ import annotations

from eventyard.runtime.timers import Timers
from eventyard.runtime.wakeups import Wakeups
from eventyard.services import _operations
from eventyard.services._operations import Handler, OperationTable
from eventyard.services.sqs.dead_letters import DeadLetterOperations
from eventyard.services.sqs.directory import QueueDirectory
from eventyard.services.sqs.inbound import QueueWriter
from eventyard.services.sqs.inflight import InFlightOperations
from eventyard.services.sqs.messages import MessageOperations
from eventyard.services.sqs.peek import MessagePeek
from eventyard.services.sqs.queues import QueueOperations
from eventyard.services.sqs.upkeep import Upkeep
from eventyard.store import Store
from eventyard.store.messages import READY_KIND


class SqsService:
    """Amazon SQS, made of its collaborators: the queue directory that finds queues,
    one object per concern serving its operations (``OPERATIONS`` below names which),
    the upkeep job, and ``queue_writer``, through which other services put messages on
    queues. They share the store and the long-poll wake-ups, keyed by queue id."""

    def __init__(self, store: Store, wakeups: Wakeups | None = None, timers: Timers | None = None) -> None:
        self.store = store
        ready = (wakeups or Wakeups()).keyed(READY_KIND)  # long polls, by queue id
        self.directory = QueueDirectory(store)
        self.upkeep = Upkeep(store, ready, timers)  # a periodic job of ``timers``
        self.queues = QueueOperations(store, self.directory, ready)
        self.messages = MessageOperations(store, self.directory, ready)
        self.in_flight = InFlightOperations(store, self.directory, ready)
        self.dead_letters = DeadLetterOperations(store, self.directory, self.upkeep)
        self.queue_writer = QueueWriter(self.directory, ready)
        self.peek = MessagePeek(store, self.directory)  # the console's look without receiving
        self._handlers = _operations.bind(OPERATIONS, self.queues, self.messages, self.in_flight, self.dead_letters)
        _operations.expose(self, self._handlers)

    def operations(self) -> dict[str, Handler]:
        """Every operation served, by AWS's name, bound to its collaborator."""
        return self._handlers


# Every SQS operation eventyard serves, and the collaborator's method serving it:
# nothing else of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "AddPermission": QueueOperations.add_permission,
    "CancelMessageMoveTask": DeadLetterOperations.cancel_message_move_task,
    "ChangeMessageVisibility": InFlightOperations.change_message_visibility,
    "ChangeMessageVisibilityBatch": InFlightOperations.change_message_visibility_batch,
    "CreateQueue": QueueOperations.create_queue,
    "DeleteMessage": InFlightOperations.delete_message,
    "DeleteMessageBatch": InFlightOperations.delete_message_batch,
    "DeleteQueue": QueueOperations.delete_queue,
    "GetQueueAttributes": QueueOperations.get_queue_attributes,
    "GetQueueUrl": QueueOperations.get_queue_url,
    "ListDeadLetterSourceQueues": DeadLetterOperations.list_dead_letter_source_queues,
    "ListMessageMoveTasks": DeadLetterOperations.list_message_move_tasks,
    "ListQueueTags": QueueOperations.list_queue_tags,
    "ListQueues": QueueOperations.list_queues,
    "PurgeQueue": QueueOperations.purge_queue,
    "ReceiveMessage": MessageOperations.receive_message,
    "RemovePermission": QueueOperations.remove_permission,
    "SendMessage": MessageOperations.send_message,
    "SendMessageBatch": MessageOperations.send_message_batch,
    "SetQueueAttributes": QueueOperations.set_queue_attributes,
    "StartMessageMoveTask": DeadLetterOperations.start_message_move_task,
    "TagQueue": QueueOperations.tag_queue,
    "UntagQueue": QueueOperations.untag_queue,
}
