"""The console's delivery history (``--event-history N``): every outbox attempt of an
event's target or a message's subscription, written in the transaction that writes the
attempt's outcome back to the outbox, and each published message's fan-out (kept by
``sns.history``). Off (nothing written) unless the server keeps a history; trimmed
in the background."""

from __future__ import annotations

from typing import Any, Sequence

from eventyard.runtime.delivery import Delivered, DeliveryRuntime, Failure
from eventyard.runtime.timers import Timers
from eventyard.services.sns.history import TopicHistory
from eventyard.store import Session, Store
from eventyard.store.deliveries import DeliveryRecord
from eventyard.store.delivery_history import NewAttempt

TRIM_SECONDS = 5.0
ATTEMPTS_PER_KEPT = 10  # attempts kept: this many per kept event or message (retries make several)


def attempt_key(record: DeliveryRecord) -> tuple[str, str] | None:
    """(event or message id, target) of an outbox row; None for rows of no event or
    message (a subscription's confirmation, an invocation of another service's)."""
    context = record.payload.get("context") if isinstance(record.payload, dict) else None
    if not isinstance(context, dict) or context.get("confirmation"):
        return None
    if record.origin == "events" and isinstance(context.get("event"), dict):
        return str(context["event"].get("id", "")), f"{context.get('rule_arn', '')} {context.get('target_id', '')}"
    if record.origin == "sns" and context.get("message_id") and context.get("subscription_arn"):
        return str(context["message_id"]), str(context["subscription_arn"])
    return None


class DeliveryHistory:
    def __init__(self, store: Store, runtime: DeliveryRuntime, topics: TopicHistory, timers: Timers) -> None:
        self.store = store
        self.runtime = runtime
        self.topics = topics
        self.keep = 0
        self._attempts_written = False
        timers.every(TRIM_SECONDS, "delivery-history-trim", self.trim)

    def turn_on(self, keep: int) -> None:
        """Keep ``keep`` messages per topic and their attempts (0: nothing)."""
        self.keep = keep
        self.topics.keep = keep
        self.runtime.keep_attempts = self.record_attempts if keep > 0 else None

    def record_attempts(self, s: Session, outcomes: Sequence[tuple[DeliveryRecord, Failure | Delivered | None,
                                                                   int | None]], now: int) -> None:
        """Inside the outbox's outcome transaction: (record, outcome, next due or None)."""
        rows = []
        for record, outcome, due in outcomes:
            key = attempt_key(record)
            if key is None:
                continue
            message_id, target = key
            if outcome is None or isinstance(outcome, Delivered):
                rows.append(NewAttempt(message_id, target, record.attempts, now, "delivered"))
                continue
            error = f"{outcome.code}: {outcome.message}"
            if due is not None:
                rows.append(NewAttempt(message_id, target, record.attempts, now, "retrying", error, next_at=due))
                continue
            dead_letter = record.payload.get("context", {}).get("dead_letter_arn")
            rows.append(NewAttempt(message_id, target, record.attempts, now,
                                   "dead-lettered" if dead_letter else "failed", error, dead_letter_arn=dead_letter))
        if rows:
            s.delivery_history.add_attempts(rows)
            self._attempts_written = True

    async def trim(self) -> None:
        if self.keep <= 0:
            return
        topics, self.topics.written = self.topics.written, set()
        attempts, self._attempts_written = self._attempts_written, False
        if not topics and not attempts:
            return
        keep = self.keep

        def unit(s: Session) -> Any:
            for topic in sorted(topics):
                s.delivery_history.trim_topic(topic, keep)
            if attempts:
                s.delivery_history.trim_attempts(keep * ATTEMPTS_PER_KEPT)

        await self.store.write(unit)
