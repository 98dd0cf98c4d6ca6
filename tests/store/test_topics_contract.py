"""The store contract for SNS topics, subscriptions, FIFO deduplication and the signing
key, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.topics import Duplicate, SubscriptionRecord, TopicRecord

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"
T0 = 1_700_000_000_000


def topic_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:sns:{REGION}:{account}:{name}"


def create(store: Store, name: str, *, account: str = ACCOUNT, fifo: bool = False,
           attributes: dict[str, str] | None = None) -> TopicRecord:
    arn = topic_arn(name, account)
    store.write_sync(lambda s: s.topics.insert(account, REGION, name, arn, fifo, attributes or {"DisplayName": "d"},
                                               None, T0))
    found = store.read_sync(lambda s: s.topics.get(arn))
    assert found is not None
    return found


def subscription(topic: TopicRecord, n: int, *, owner: str = ACCOUNT, confirmed: bool = True,
                 token: str | None = None) -> SubscriptionRecord:
    return SubscriptionRecord(f"{topic.arn}:sub-{n:02}", topic.arn, owner, REGION, "sqs",
                              f"arn:aws:sqs:{REGION}:{owner}:q{n}", confirmed, token, {"RawMessageDelivery": "true"},
                              T0 + n)


def version(store: Store, topic: TopicRecord) -> int:
    found = store.read_sync(lambda s: s.topics.version(topic.arn))
    assert found is not None and found[0] == topic.id
    return found[1]


# -- topics ----------------------------------------------------------------------------
def test_insert_get_round_trip(store: Store) -> None:
    t = create(store, "orders.fifo", fifo=True, attributes={"FifoTopic": "true", "DisplayName": "caf\u00e9"})
    assert (t.account_id, t.region, t.name, t.arn, t.fifo) == (ACCOUNT, REGION, "orders.fifo", topic_arn("orders.fifo"), True)
    assert t.attributes == {"FifoTopic": "true", "DisplayName": "caf\u00e9"}
    assert (t.data_protection_policy, t.version, t.sequence, t.created_at) == (None, 1, 0, T0)
    assert store.read_sync(lambda s: s.topics.get(topic_arn("missing"))) is None
    assert store.read_sync(lambda s: s.topics.version(topic_arn("missing"))) is None


def test_duplicate_topic_conflicts_and_changes_nothing(store: Store) -> None:
    t = create(store, "t", attributes={"DisplayName": "one"})
    with pytest.raises(ConflictError):
        create(store, "t", attributes={"DisplayName": "two"})
    assert store.read_sync(lambda s: s.topics.get(t.arn)) == t
    create(store, "t", account=OTHER_ACCOUNT)  # another account may use the name


def test_topic_ids_are_not_reused(store: Store) -> None:
    first = create(store, "t")
    store.write_sync(lambda s: s.topics.delete(first.arn))
    assert create(store, "t").id > first.id


def test_list_pages_by_arn(store: Store) -> None:
    for name in ["b", "a", "C", "a-1"]:
        create(store, name)
    create(store, "z", account=OTHER_ACCOUNT)
    everything = sorted(topic_arn(n) for n in ["b", "a", "C", "a-1"])

    def page(after: str | None, limit: int = 100) -> list[str]:
        return store.read_sync(lambda s: s.topics.list(ACCOUNT, REGION, after=after, limit=limit))

    assert page(None) == everything
    assert page(None, 3) == everything[:3]
    assert page(everything[2]) == everything[3:]
    assert page(everything[-1]) == []


def test_attributes_and_data_protection_policy(store: Store) -> None:
    t = create(store, "t")
    store.write_sync(lambda s: s.topics.set_attributes(t.arn, {"DisplayName": "new", "Policy": "{}"}))
    got = store.read_sync(lambda s: s.topics.get(t.arn))
    assert got is not None and got.attributes == {"DisplayName": "new", "Policy": "{}"}
    assert got.version == t.version + 1  # attribute changes reach cached subscriptions too
    store.write_sync(lambda s: s.topics.set_data_protection_policy(t.arn, '{"Name": "p"}'))
    assert store.read_sync(lambda s: s.topics.get(t.arn)).data_protection_policy == '{"Name": "p"}'  # type: ignore[union-attr]
    store.write_sync(lambda s: s.topics.set_data_protection_policy(t.arn, None))
    assert store.read_sync(lambda s: s.topics.get(t.arn)).data_protection_policy is None  # type: ignore[union-attr]


def test_next_sequences_reserve_increasing_ranges_per_topic(store: Store) -> None:
    a, b = create(store, "a.fifo", fifo=True), create(store, "b.fifo", fifo=True)
    assert store.write_sync(lambda s: s.topics.next_sequences(a.id, 1)) == 1
    assert store.write_sync(lambda s: s.topics.next_sequences(a.id, 10)) == 2
    assert store.write_sync(lambda s: s.topics.next_sequences(a.id, 1)) == 12
    assert store.write_sync(lambda s: s.topics.next_sequences(b.id, 5)) == 1
    assert store.read_sync(lambda s: s.topics.get(a.arn)).sequence == 12  # type: ignore[union-attr]


def test_delete_removes_subscriptions_and_dedup_entries(store: Store) -> None:
    t, kept = create(store, "t"), create(store, "kept")
    store.write_sync(lambda s: [s.topics.subscribe(subscription(t, 1)), s.topics.subscribe(subscription(kept, 2))])
    store.write_sync(lambda s: [s.topics.remember(t.id, "", "d", "m1", "1", T0 + 10),
                                s.topics.remember(kept.id, "", "d", "m2", "2", T0 + 10)])
    assert store.write_sync(lambda s: s.topics.delete(t.arn)) is True
    assert store.write_sync(lambda s: s.topics.delete(t.arn)) is False
    assert store.read_sync(lambda s: s.topics.get(t.arn)) is None
    assert store.read_sync(lambda s: s.topics.subscription(subscription(t, 1).arn)) is None
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "", "d", T0)) is None
    assert store.read_sync(lambda s: s.topics.subscription(subscription(kept, 2).arn)) == subscription(kept, 2)
    assert store.read_sync(lambda s: s.topics.duplicate(kept.id, "", "d", T0)) == Duplicate("m2", "2")


# -- subscriptions ---------------------------------------------------------------------
def test_subscribe_get_and_each_change_moves_the_topic_version(store: Store) -> None:
    t = create(store, "t")
    v0 = version(store, t)
    pending = subscription(t, 1, confirmed=False, token="tok-1")
    store.write_sync(lambda s: s.topics.subscribe(pending))
    assert store.read_sync(lambda s: s.topics.subscription(pending.arn)) == pending
    assert store.read_sync(lambda s: s.topics.subscription_by_token("tok-1")) == pending
    assert store.read_sync(lambda s: s.topics.subscription_by_token("nope")) is None
    v1 = version(store, t)
    assert v1 > v0
    store.write_sync(lambda s: s.topics.confirm(pending.arn))
    confirmed = store.read_sync(lambda s: s.topics.subscription(pending.arn))
    assert confirmed == replace(pending, confirmed=True, token=None)
    assert store.read_sync(lambda s: s.topics.subscription_by_token("tok-1")) is None
    v2 = version(store, t)
    assert v2 > v1
    store.write_sync(lambda s: s.topics.set_subscription_attributes(pending.arn, {"FilterPolicy": "{}"}))
    assert store.read_sync(lambda s: s.topics.subscription(pending.arn)).attributes == {"FilterPolicy": "{}"}  # type: ignore[union-attr]
    v3 = version(store, t)
    assert v3 > v2
    assert store.write_sync(lambda s: s.topics.unsubscribe(pending.arn)) is True
    assert store.write_sync(lambda s: s.topics.unsubscribe(pending.arn)) is False
    assert store.read_sync(lambda s: s.topics.subscription(pending.arn)) is None
    assert version(store, t) > v3


def test_duplicate_subscription_arn_conflicts(store: Store) -> None:
    t = create(store, "t")
    store.write_sync(lambda s: s.topics.subscribe(subscription(t, 1)))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.topics.subscribe(replace(subscription(t, 1), endpoint="other")))
    assert store.read_sync(lambda s: s.topics.subscription(subscription(t, 1).arn)) == subscription(t, 1)


def test_subscriptions_of_a_topic_and_of_an_owner_page_by_arn(store: Store) -> None:
    t, other = create(store, "t"), create(store, "other")
    mine = [subscription(t, n) for n in (3, 1, 2)]
    theirs = subscription(t, 4, owner=OTHER_ACCOUNT)
    elsewhere = subscription(other, 5)
    store.write_sync(lambda s: [s.topics.subscribe(x) for x in [*mine, theirs, elsewhere]])
    of_t = [x.arn for x in store.read_sync(lambda s: s.topics.subscriptions_of(t.arn))]
    assert of_t == sorted(x.arn for x in [*mine, theirs])
    assert [x.arn for x in store.read_sync(lambda s: s.topics.subscriptions_of(t.arn, limit=2))] == of_t[:2]
    assert [x.arn for x in store.read_sync(lambda s: s.topics.subscriptions_of(t.arn, after=of_t[1]))] == of_t[2:]
    owned = [x.arn for x in store.read_sync(lambda s: s.topics.subscriptions_owned(ACCOUNT, REGION, after=None,
                                                                                   limit=100))]
    assert owned == sorted(x.arn for x in [*mine, elsewhere])
    assert [x.arn for x in store.read_sync(lambda s: s.topics.subscriptions_owned(ACCOUNT, REGION, after=owned[0],
                                                                                  limit=1))] == owned[1:2]


def test_count_subscriptions_confirmed_and_pending(store: Store) -> None:
    t = create(store, "t")
    assert store.read_sync(lambda s: s.topics.count_subscriptions(t.arn)) == (0, 0)
    store.write_sync(lambda s: [s.topics.subscribe(subscription(t, 1)), s.topics.subscribe(subscription(t, 2)),
                                s.topics.subscribe(subscription(t, 3, confirmed=False, token="x"))])
    assert store.read_sync(lambda s: s.topics.count_subscriptions(t.arn)) == (2, 1)


# -- FIFO deduplication ------------------------------------------------------------------
def test_dedup_ids_are_remembered_per_scope_until_they_expire(store: Store) -> None:
    t = create(store, "t.fifo", fifo=True)
    store.write_sync(lambda s: s.topics.remember(t.id, "", "d1", "m1", "11", T0 + 100))
    store.write_sync(lambda s: s.topics.remember(t.id, "group-a", "d1", "m2", "12", T0 + 200))
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "", "d1", T0 + 99)) == Duplicate("m1", "11")
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "", "d1", T0 + 100)) is None  # expired at expires_at
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "group-a", "d1", T0 + 100)) == Duplicate("m2", "12")
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "group-b", "d1", T0)) is None
    # Remembering the same id again replaces the entry (an expired one is reused).
    store.write_sync(lambda s: s.topics.remember(t.id, "", "d1", "m3", "13", T0 + 500))
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "", "d1", T0 + 300)) == Duplicate("m3", "13")
    store.write_sync(lambda s: s.topics.forget_expired(T0 + 200))
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "group-a", "d1", T0)) is None
    assert store.read_sync(lambda s: s.topics.duplicate(t.id, "", "d1", T0)) == Duplicate("m3", "13")


# -- the signing key ---------------------------------------------------------------------
def test_the_first_signing_key_stays(store: Store) -> None:
    assert store.read_sync(lambda s: s.topics.signing_key()) is None
    store.write_sync(lambda s: s.topics.put_signing_key("KEY-1", "CERT-1"))
    store.write_sync(lambda s: s.topics.put_signing_key("KEY-2", "CERT-2"))  # another node lost the race
    assert store.read_sync(lambda s: s.topics.signing_key()) == ("KEY-1", "CERT-1")
