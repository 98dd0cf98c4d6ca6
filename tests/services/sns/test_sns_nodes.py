"""SNS across processes on one store: a subscription made, changed or removed on one node
applies to the very next Publish on another (the topic's version), both nodes sign with
one key, and a FIFO duplicate is caught whichever node it reaches."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from _clients import client
from _server import ServerProcess
from _sns import body, nothing_in, receive, verify_signature

ACCOUNT = "123412341299"


@pytest.fixture
def two_nodes(fresh_postgres_url, tmp_path):
    # several nodes share a store on PostgreSQL; a SQLite file serves one (tests/test_serve.py)
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log") for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: n.start(), nodes))
    yield nodes
    for node in nodes:
        node.stop()


def _clients_and_queues(nodes, *names):
    """SNS clients on each node, an SQS client, and the named queues' URLs and ARNs."""
    a_sns, b_sns = (client("sns", n.url, account=ACCOUNT) for n in nodes)
    sqs = client("sqs", nodes[0].url, account=ACCOUNT)
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in names}
    arn = {name: f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}" for name in urls}
    return a_sns, b_sns, sqs, urls, arn


def test_subscription_changes_on_one_node_apply_at_once_on_another(two_nodes):
    a_sns, b_sns, sqs, urls, arn = _clients_and_queues(two_nodes, "first", "second")
    topic = a_sns.create_topic(Name="shared")["TopicArn"]
    first = a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["first"])["SubscriptionArn"]
    b_sns.publish(TopicArn=topic, Message="one")  # node B now has the topic cached
    assert [body(m)["Message"] for m in receive(sqs, urls["first"], 1)] == ["one"]

    a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["second"],
                    Attributes={"FilterPolicy": json.dumps({"k": ["yes"]})})
    b_sns.publish(TopicArn=topic, Message="two", MessageAttributes={"k": {"DataType": "String", "StringValue": "yes"}})
    got = receive(sqs, urls["second"], 1)
    assert [body(m)["Message"] for m in got] == ["two"]
    verify_signature(body(got[0]))  # signed by node B with the store's one key
    assert [body(m)["Message"] for m in receive(sqs, urls["first"], 1)] == ["two"]

    a_sns.unsubscribe(SubscriptionArn=first)
    b_sns.publish(TopicArn=topic, Message="three", MessageAttributes={"k": {"DataType": "String", "StringValue": "no"}})
    assert nothing_in(sqs, urls["first"]) and nothing_in(sqs, urls["second"])


def test_fifo_duplicates_are_caught_across_nodes(two_nodes):
    a_sns, b_sns = (client("sns", n.url, account=ACCOUNT) for n in two_nodes)
    sqs = client("sqs", two_nodes[0].url, account=ACCOUNT)
    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    topic = a_sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo")
    one = a_sns.publish(TopicArn=topic, Message="m", MessageGroupId="g", MessageDeduplicationId="d")
    two = b_sns.publish(TopicArn=topic, Message="m", MessageGroupId="g", MessageDeduplicationId="d")
    assert one["MessageId"] == two["MessageId"]
    assert len(receive(sqs, url, 1)) == 1 and nothing_in(sqs, url)


def test_a_topic_made_again_on_one_node_is_not_served_from_another_node_cache(two_nodes):
    a_sns, b_sns, sqs, urls, arn = _clients_and_queues(two_nodes, "old", "new")
    topic = a_sns.create_topic(Name="again")["TopicArn"]
    a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["old"])
    b_sns.publish(TopicArn=topic, Message="one")  # node B caches the topic and its subscription
    assert [body(m)["Message"] for m in receive(sqs, urls["old"], 1)] == ["one"]

    a_sns.delete_topic(TopicArn=topic)  # then the same name again, with as many changes
    assert a_sns.create_topic(Name="again")["TopicArn"] == topic
    a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["new"])
    b_sns.publish(TopicArn=topic, Message="two")
    assert [body(m)["Message"] for m in receive(sqs, urls["new"], 1)] == ["two"]
    assert nothing_in(sqs, urls["old"])
