"""Where an asynchronous invocation's outcome goes: the event invoke config's
destinations (``OnSuccess`` / ``OnFailure``: a queue, a topic, a bus or a function) get
Lambda's invocation record, and the function's ``DeadLetterConfig`` (a queue or a topic)
gets the event of an invocation that failed for good, with Lambda's attributes.

Each is one outbox row written in the unit of work that finishes the invocation's own
row (origin ``lambda-result``), handed to the deliverer of its kind (``sqs``, ``sns``,
``events``, ``lambda``); a few retries, then it is dropped with a log line.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
import structlog

from eventyard.core import ids
from eventyard.runtime.delivery import Failure
from eventyard.store import Session
from eventyard.store.deliveries import DeliveryRecord, NewDelivery

log = structlog.get_logger("eventyard.functions")

ORIGIN = "lambda-result"
RETRY_DELAYS_MS = (1_000, 5_000, 30_000)


def _json_or_text(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _timestamp(now_ms: int) -> str:
    moment = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def invocation_record(record: DeliveryRecord, condition: str, version: str, response: str | None,
                      function_error: str | None, now: int) -> dict[str, Any]:
    """Lambda's destination record for one asynchronous invocation."""
    context = record.payload["context"]
    function_arn = record.target["arn"] if record.target["arn"].count(":") == 7 else f"{record.target['arn']}:{version}"
    doc: dict[str, Any] = {
        "version": "1.0", "timestamp": _timestamp(now),
        "requestContext": {"requestId": context["request_id"], "functionArn": function_arn, "condition": condition,
                           "approximateInvokeCount": record.attempts},
        "requestPayload": _json_or_text(record.payload["body"]),
    }
    if response is not None:
        doc["responseContext"] = {"statusCode": 200, "executedVersion": version}
        if function_error:
            doc["responseContext"]["functionError"] = function_error
        doc["responsePayload"] = _json_or_text(response)
    return doc


def _kind(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 else "unknown"


def send_record(s: Session, record: DeliveryRecord, destination: str, doc: dict[str, Any], success: bool,
                now: int) -> None:
    kind = _kind(destination)
    body = orjson.dumps(doc).decode()
    payload: dict[str, Any] = {"body": body, "context": {"for": record.target["arn"]}}
    if kind == "events":
        result = "Success" if success else "Failure"
        payload["context"].update(ingested_at=now, event={
            "version": "0", "id": ids.uuid4(), "detail-type": f"Lambda Function Invocation Result - {result}",
            "source": "lambda", "account": record.account_id, "time": _timestamp(now)[:19] + "Z",
            "region": record.region, "resources": [destination, record.target["arn"]], "detail": doc})
    s.deliveries.add([NewDelivery(origin=ORIGIN, account_id=record.account_id, region=record.region,
                                  target_kind=kind, target={"arn": destination}, payload=payload, created_at=now,
                                  due_at=now)])


def send_dead_letter(s: Session, record: DeliveryRecord, destination: str, error: str, now: int) -> None:
    """The event itself, with ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` (SQS attributes)."""
    message = _json_or_text(error)
    text = message.get("errorMessage", error) if isinstance(message, dict) else str(message)
    payload: dict[str, Any] = {"body": record.payload["body"], "context": {"for": record.target["arn"]},
                               "message_attributes": {
                                   "RequestID": {"DataType": "String",
                                                 "StringValue": record.payload["context"]["request_id"]},
                                   "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                                   "ErrorMessage": {"DataType": "String", "StringValue": text[:1024] or "Unhandled"}}}
    s.deliveries.add([NewDelivery(origin=ORIGIN, account_id=record.account_id, region=record.region,
                                  target_kind=_kind(destination), target={"arn": destination}, payload=payload,
                                  created_at=now, due_at=now)])


class ResultPolicy:
    """Origin ``lambda-result``: a destination's or dead-letter queue's delivery, retried a
    few times, then dropped with a log line."""

    def retry_at(self, record: DeliveryRecord, failure: Failure, now: int) -> int | None:
        if record.attempts > len(RETRY_DELAYS_MS):
            return None
        return now + RETRY_DELAYS_MS[record.attempts - 1]

    def give_up(self, s: Session, record: DeliveryRecord, failure: Failure, now: int) -> None:
        log.warning("functions.destination_dropped", destination=record.target.get("arn"), error=failure.code,
                    message=failure.message)

    def delivered(self, record: DeliveryRecord, now: int) -> None:
        return None

    def committed(self) -> None:
        return None
