"""The store contract for the console's queue depths (a page's queues, capped counts,
an account's totals, its dead-letter queues), on both backends."""

from __future__ import annotations

from eventyard.store import Store
from .test_sqs_contract import ACCOUNT, REGION, T0, claim, create, message, send


def test_depths_of_named_queues_with_the_oldest_message_and_a_cap(store: Store) -> None:
    dlq = create(store, "depth-dlq")
    source = create(store, "depth-source", dlq=dlq.arn)
    send(store, source, message("a", at=T0), message("b", at=T0 + 5), message("c", at=T0 + 6),
         message("later", at=T0 + 7, delay=60_000))
    claim(store, source, now=T0 + 10, limit=1)  # "a": in flight
    [depth] = store.read_sync(lambda s: s.queues.depths_of([source.arn], T0 + 10))
    assert (depth.visible, depth.in_flight, depth.delayed, depth.oldest_sent_at) == (2, 1, 1, T0)
    assert not depth.dead_letter
    [capped] = store.read_sync(lambda s: s.queues.depths_of([source.arn], T0 + 10, cap=1))
    assert (capped.visible, capped.in_flight, capped.delayed) == (1, 1, 1)
    [empty] = store.read_sync(lambda s: s.queues.depths_of([dlq.arn, "arn:aws:sqs:us-east-1:1:none"], T0))
    assert empty.dead_letter and (empty.visible, empty.oldest_sent_at) == (0, None)
    queues, visible, hidden = store.read_sync(lambda s: s.queues.message_totals(ACCOUNT, REGION, T0 + 10))
    assert queues >= 2 and visible >= 2 and hidden >= 2
    assert dlq.arn in store.read_sync(lambda s: s.queues.dead_letter_arns(ACCOUNT, REGION))
    assert source.arn not in store.read_sync(lambda s: s.queues.dead_letter_arns(ACCOUNT, REGION))
