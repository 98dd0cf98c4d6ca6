"""Amazon SQS: standard and FIFO queues, dead-letter queues, long polling."""

from eventyard.services.sqs.service import SqsService

__all__ = ["SqsService"]
