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


def test_peek_pages_a_queue_of_many_messages_in_order_among_another_queues(store: Store) -> None:
    from eventyard.store.messages import PEEK_MANY

    busy, small = create(store, "peek-busy"), create(store, "peek-small")
    for n in range(0, PEEK_MANY + 10, 50):  # the two queues' rows interleave in id order
        send(store, busy, *[message(f"b{n + k}") for k in range(50)])
        send(store, small, message(f"s{n}"))
    seen: list[str] = []
    cursor = 0
    while True:
        page = store.read_sync(lambda s: s.messages.peek(busy.id, now=T0, after_id=0, from_id=cursor, limit=300))
        if not page:
            break
        seen.extend(m.body for m in page)
        cursor = page[-1].id
    assert seen == [f"b{n}" for n in range(len(seen))] and len(seen) >= PEEK_MANY
    shown = store.read_sync(lambda s: s.messages.peek(small.id, now=T0, after_id=0, from_id=0, limit=5))
    assert [m.body for m in shown] == ["s0", "s50", "s100", "s150", "s200"]
