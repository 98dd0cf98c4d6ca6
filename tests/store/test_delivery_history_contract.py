"""The store contract for the console's fan-out history (topic messages and delivery
attempts), on both backends."""

from __future__ import annotations

from eventyard.store import Store
from eventyard.store.delivery_history import NewAttempt

TOPIC = "arn:aws:sns:us-east-1:000000000000:t"
OTHER = "arn:aws:sns:us-east-1:000000000000:u"


def test_published_messages_newest_first_paged_and_trimmed_per_topic(store: Store) -> None:
    rows = [(TOPIC, n, f"m-{n}", {"message": f"<{n}>", "subject": None, "attributes": {}}, {"sub": "filtered"})
            for n in range(5)] + [(OTHER, 9, "m-9", {"message": "x"}, {})]
    store.write_sync(lambda s: s.delivery_history.add_published(rows))
    kept = store.read_sync(lambda s: s.delivery_history.published(TOPIC, limit=3))
    assert [m.message_id for m in kept] == ["m-4", "m-3", "m-2"]
    assert kept[0].message["message"] == "<4>" and kept[0].outcomes == {"sub": "filtered"}
    older = store.read_sync(lambda s: s.delivery_history.published(TOPIC, before_id=kept[-1].id))
    assert [m.message_id for m in older] == ["m-1", "m-0"]
    assert store.read_sync(lambda s: s.delivery_history.message(TOPIC, "m-1")) == older[0]
    assert store.read_sync(lambda s: s.delivery_history.message(OTHER, "m-1")) is None
    assert store.write_sync(lambda s: s.delivery_history.trim_topic(TOPIC, 2)) == 3
    assert len(store.read_sync(lambda s: s.delivery_history.published(TOPIC))) == 2
    assert len(store.read_sync(lambda s: s.delivery_history.published(OTHER))) == 1


def test_attempts_of_a_message_in_order_and_trimmed_to_the_newest(store: Store) -> None:
    attempts = [NewAttempt("e-1", "rule t", 1, 10, "retrying", "Boom: no", next_at=20),
                NewAttempt("e-1", "rule t", 2, 20, "dead-lettered", "Boom: no", dead_letter_arn="arn:dlq"),
                NewAttempt("e-2", "sub", 1, 30, "delivered")]
    store.write_sync(lambda s: s.delivery_history.add_attempts(attempts))
    found = store.read_sync(lambda s: s.delivery_history.attempts("e-1"))
    assert [(a.attempt, a.outcome, a.next_at, a.dead_letter_arn) for a in found] == [
        (1, "retrying", 20, None), (2, "dead-lettered", None, "arn:dlq")]
    assert store.write_sync(lambda s: s.delivery_history.trim_attempts(1)) == 2
    assert store.read_sync(lambda s: s.delivery_history.attempts("e-1")) == []
    assert [a.outcome for a in store.read_sync(lambda s: s.delivery_history.attempts("e-2"))] == ["delivered"]
