"""The store contract for the console's search box: resources of one account and region
whose name or ARN contains a text, ignoring case, with LIKE's wildcards taken literally."""

from __future__ import annotations

from eventyard.store import Store
from .test_sqs_contract import ACCOUNT, REGION, create


def _names(store: Store, text: str, account: str = ACCOUNT, **kwargs: object) -> list[str]:
    found = store.read_sync(lambda s: s.resource_search.containing(account, REGION, text, **kwargs))
    return [f.name for f in found]


def test_finds_by_part_of_a_name_or_arn_in_its_own_account_only(store: Store) -> None:
    create(store, "Orders-Incoming")
    create(store, "orders_dlq")
    create(store, "ordersXdlq")
    create(store, "payments")
    create(store, "orders-elsewhere", account="111111111111")

    assert sorted(_names(store, "ORDERS")) == ["Orders-Incoming", "ordersXdlq", "orders_dlq"]  # order: the collation's
    assert _names(store, "orders_") == ["orders_dlq"]  # "_" is not LIKE's any-character here
    assert _names(store, "%") == []
    assert _names(store, f"{REGION}:{ACCOUNT}:pay") == ["payments"]  # by ARN
    assert _names(store, "orders", account="111111111111") == ["orders-elsewhere"]
    assert len(_names(store, "orders", limit=1)) == 1
    assert _names(store, "orders", kinds={"topic"}) == []
    [found] = store.read_sync(lambda s: s.resource_search.containing(ACCOUNT, REGION, "payments"))
    assert (found.kind, found.arn, found.bus) == ("queue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:payments", None)
