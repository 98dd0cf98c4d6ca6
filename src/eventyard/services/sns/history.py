"""The console's record of each published message's fan-out (``--event-history N``):
which subscriptions got it in the publish's unit of work, which wait on the outbox
and which the filter policy left out. Written in the publish's own transaction, only
while the history is on; the outbox's later attempts are kept by ``delivery_history``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from eventyard.store import Session

if TYPE_CHECKING:
    from eventyard.services.sns.matching import TopicSubscriptions
    from eventyard.services.sns.publish import Entry, Fanout


class TopicHistory:
    """Whether and how much to keep: ``keep`` messages per topic (0: none)."""

    def __init__(self) -> None:
        self.keep = 0
        self.written: set[str] = set()  # topic ARNs written since the last trim

    def record(self, s: Session, subs: "TopicSubscriptions", entries: Sequence["Entry"],
               results: Sequence[Any], fanout: "Fanout", delivered_protocols: Sequence[str],
               now: int) -> None:
        """Inside the publish's unit of work: one row per accepted message."""
        from eventyard.core.errors import ServiceError

        reached: dict[str, dict[str, str]] = {}  # message id -> subscription ARN -> outcome
        for items in fanout.for_queues.values():
            for _, _, context in items:
                reached.setdefault(context["message_id"], {})[context["subscription_arn"]] = "delivered"
        for delivery in (*fanout.deliveries, *fanout.refused):
            context = delivery.payload.get("context") or {}
            if "message_id" in context and "subscription_arn" in context:
                reached.setdefault(context["message_id"], {})[context["subscription_arn"]] = "queued"
        rows = []
        for entry, result in zip(entries, results):
            if isinstance(result, ServiceError) or "MessageId" not in result:
                continue
            message_id = result["MessageId"]
            outcomes = reached.get(message_id)
            if outcomes is None:
                if any(sub.protocol in delivered_protocols for sub in subs.matching(entry.message, entry.attributes)):
                    continue  # a FIFO duplicate: accepted again, delivered once (its first row says how)
                outcomes = {}
            for sub in subs.subscriptions:
                if sub.arn not in outcomes:
                    outcomes[sub.arn] = "filtered" if sub.protocol in delivered_protocols else "not delivered"
            message = {"message": entry.message, "subject": entry.subject, "attributes": entry.attributes}
            rows.append((subs.topic.arn, now, message_id, message, outcomes))
        if rows:
            s.delivery_history.add_published(rows)
            self.written.add(subs.topic.arn)
