"""The enforcement table through the services themselves, in process: each SQS, SNS and
EventBridge row's call goes through ``Invoker`` with the ``--auth iam`` hook, against real
queues, topics and buses whose policies and tags are set with their own operations, the
principal's policies coming from a fake identity source (the IAM store's stand-in). This
shows the hook, the resource lookups and the services' own checks agree with the core
before the wire driver (``test_iam_enforcement.py``) can run with the IAM service."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Iterator

import pytest

from _iam_table import A, DEFAULT_TOPIC_POLICY, REGION, ROWS, Row
from eventyard.api.invoke import Invoker
from eventyard.core import policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.authorization import Caller, Enforcer, Identity
from eventyard.store import open_store

SERVED = ("sqs", "sns", "events")
# rows of the services served here, whose condition keys a request context can carry and
# whose queue a queue's name can be (the core-only rows name queues "odd*name", "cost$")
ROWS_HERE = [(n, r) for n, r in enumerate(ROWS)
             if r.call.service in SERVED and {k for k, _ in r.context} <= {"aws:SecureTransport", "aws:userid"}
             and re.fullmatch(r"[\w-]+", r.call.queue_name)]
DENIAL = {"sqs": "AccessDeniedException", "sns": "AuthorizationErrorException", "events": "AccessDeniedException"}


class RowIdentities:
    """The identity of the row being run."""

    row: Row | None = None

    def __call__(self, session: Any, caller: Caller) -> Identity:
        if self.row is None or caller.principal_arn == policies.root_arn(caller.account):
            return Identity(policies.Principal.of_account(caller.account))  # the yard's own set-up
        who = self.row.who
        user_id = dict(self.row.context).get("aws:userid")
        if who.kind == "user":
            principal = policies.Principal(account=who.account, arn=who.arn, kind="user", name=who.name,
                                           user_id=user_id, tags=who.tags)
        elif who.kind == "role":
            principal = policies.Principal(account=who.account, arn=who.arn, kind="assumed-role",
                                           role_arn=who.role_arn, user_id=user_id, tags=who.tags)
        else:
            return Identity(policies.Principal.of_account(who.account))
        boundary = json.dumps(self.row.boundary) if self.row.boundary else None
        return Identity(principal, tuple(json.dumps(d) for d in self.row.identity), boundary)


class Yard:
    def __init__(self, invoker: Invoker, identities: RowIdentities, loop: asyncio.AbstractEventLoop) -> None:
        self.invoker, self.identities, self.loop = invoker, identities, loop
        self.urls: dict[str, str] = {}
        self.topic = self.run("sns", "CreateTopic", {"Name": "alerts"})["TopicArn"]
        self.run("events", "CreateEventBus", {"Name": "orders-bus"})

    def run(self, service: str, operation: str, params: dict[str, Any], ctx: RequestContext | None = None) -> Any:
        return self.loop.run_until_complete(
            self.invoker.invoke(service, operation, params, ctx or RequestContext(account=A, region=REGION)))

    def queue(self, name: str) -> str:
        if name not in self.urls:
            self.urls[name] = self.run("sqs", "CreateQueue", {"QueueName": name})["QueueUrl"]
        return self.urls[name]

    def reset(self, row: Row, url: str) -> None:
        self.run("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": "", "DelaySeconds": "0"}})
        self.run("sqs", "UntagQueue", {"QueueUrl": url, "TagKeys": ["team", "locked"]})
        if row.resource_tags:
            self.run("sqs", "TagQueue", {"QueueUrl": url, "Tags": dict(row.resource_tags)})
        self.run("sns", "SetTopicAttributes", {"TopicArn": self.topic, "AttributeName": "Policy",
                                               "AttributeValue": json.dumps(DEFAULT_TOPIC_POLICY)})
        for operation, params in (("RemovePermission", {"EventBusName": "orders-bus", "RemoveAllPermissions": True}),
                                  ("DeleteRule", {"Name": "r1", "EventBusName": "orders-bus"})):
            try:
                self.run("events", operation, params)
            except ServiceError:
                pass
        if row.resource is not None:
            policy = json.dumps(row.resource)
            if row.call.target == "queue":
                self.run("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})
            elif row.call.target == "topic":
                self.run("sns", "SetTopicAttributes", {"TopicArn": self.topic, "AttributeName": "Policy",
                                                       "AttributeValue": policy})
            elif row.call.target == "bus":
                self.run("events", "PutPermission", {"EventBusName": "orders-bus", "Policy": policy})

    def snapshot(self, row: Row, url: str, fresh: str) -> Any:
        op = row.call.operation
        if op in ("SendMessage", "SendMessageBatch"):
            attrs = self.run("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
            return sum(int(attrs[k]) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                               "ApproximateNumberOfMessagesDelayed"))
        if op == "SetQueueAttributes":
            return self.run("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["DelaySeconds"]})
        if op == "TagQueue":
            return self.run("sqs", "ListQueueTags", {"QueueUrl": url}).get("Tags")
        if op == "CreateQueue":
            return self.run("sqs", "ListQueues", {"QueueNamePrefix": fresh}).get("QueueUrls")
        if op == "CreateTopic":
            return sorted(t["TopicArn"] for t in self.run("sns", "ListTopics", {})["Topics"])
        if op == "PutRule":
            return [r["Name"] for r in self.run("events", "ListRules", {"EventBusName": "orders-bus"})["Rules"]]
        return None


@pytest.fixture(scope="module")
def yard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Yard]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('table')}/yard.db")
    loop = asyncio.new_event_loop()
    identities = RowIdentities()
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    try:
        yield Yard(Invoker(registry.resolve, Enforcer(store, identities=identities).authorize), identities, loop)
    finally:
        loop.close()
        store.close()


def _fresh_names(value: Any, n: int) -> Any:
    """The names a row creates, its own (``fresh`` -> ``fresh-r7``)."""
    return json.loads(re.sub(r"fresh", f"fresh-r{n}", json.dumps(value)))


@pytest.mark.parametrize("n, row", ROWS_HERE, ids=[r.id for _, r in ROWS_HERE])
def test_row_in_process(yard: Yard, n: int, row: Row) -> None:
    yard.identities.row = None
    url = yard.queue(row.call.queue_name)
    yard.reset(row, url)
    yard.identities.row = _fresh_names_row(row, n)
    https = dict(row.context).get("aws:SecureTransport") == "true"
    ctx = RequestContext(account=row.who.account, region=REGION,
                         principal_arn=None if row.who.kind == "root" else row.who.arn,
                         session_policy=json.dumps(row.session) if row.session else None,
                         base_url="https://localhost:4566" if https else "http://localhost:4566")
    params = _fresh_names(row.call.params("<queue-url>"), n)
    if params.get("QueueUrl") == "<queue-url>":
        params["QueueUrl"] = url
    fresh = f"fresh-r{n}"
    yard.identities.row = None  # the snapshots are the root's
    before = yard.snapshot(row, url, fresh) if row.expect == "deny" else None
    yard.identities.row = _fresh_names_row(row, n)
    if row.expect == "allow":
        yard.run(row.call.service, row.call.operation, params, ctx)
        return
    with pytest.raises(ServiceError) as denied:
        yard.run(row.call.service, row.call.operation, params, ctx)
    assert denied.value.code == DENIAL[row.call.service], denied.value.message
    assert denied.value.message.startswith(f"User: {row.who.arn} is not authorized to perform: "), denied.value.message
    if row.reason is not None:
        assert row.reason in denied.value.message, denied.value.message
    yard.identities.row = None
    assert yard.snapshot(row, url, fresh) == before


def _fresh_names_row(row: Row, n: int) -> Row:
    from dataclasses import replace

    return replace(row, identity=tuple(_fresh_names(d, n) for d in row.identity),
                   boundary=_fresh_names(row.boundary, n) if row.boundary else None)
