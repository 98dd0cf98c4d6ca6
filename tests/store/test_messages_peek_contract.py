"""The store contract for peeking at a queue's messages (read only), on both backends."""

from __future__ import annotations

from dataclasses import replace

from eventyard.store import Store
from .test_sqs_contract import T0, claim, create, message, send


def test_peek_reads_in_order_sent_changes_nothing_and_finds_text(store: Store) -> None:
    q = create(store, "peeked")
    send(store, q, message("first <b>"), replace(message("second"), attributes='{"kind": {"StringValue": "refund"}}'),
         message("third", delay=60_000), message("gone", retention=1))
    claim(store, q, now=T0, limit=1, visibility=30_000)  # "first" is in flight, received once
    before = store.read_sync(lambda s: s.messages.peek(q.id, now=T0 + 10, after_id=0, from_id=0, limit=10))
    assert [m.body for m in before] == ["first <b>", "second", "third"]  # the expired one is not shown
    assert [m.receive_count for m in before] == [1, 0, 0]
    again = store.read_sync(lambda s: s.messages.peek(q.id, now=T0 + 10, after_id=0, from_id=0, limit=10))
    assert again == before  # nothing moved: no receive count, visibility or receipt changed
    page = store.read_sync(lambda s: s.messages.peek(q.id, now=T0 + 10, after_id=0, from_id=before[0].id, limit=1))
    assert [m.body for m in page] == ["second"]
    found = store.read_sync(lambda s: s.messages.peek(q.id, now=T0 + 10, after_id=0, from_id=0, limit=10,
                                                      containing="refund"))
    assert [m.body for m in found] == ["second"]
    assert [m.body for m in store.read_sync(lambda s: s.messages.peek(
        q.id, now=T0 + 10, after_id=0, from_id=0, limit=10, containing="<b>"))] == ["first <b>"]
    purged = store.read_sync(lambda s: s.messages.peek(q.id, now=T0 + 10, after_id=before[1].id, from_id=0, limit=10))
    assert [m.body for m in purged] == ["third"]
