"""The ``--auth iam`` hook in the in-process seam: every call through ``Invoker`` is
authorized after validation and before its handler, with identities from a fake
``IdentitySource`` (the IAM store's stand-in until the iam branch merges)."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any, Callable, Coroutine, Iterator

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from eventyard.api.invoke import Invoker
from eventyard.core import policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.authorization import Caller, DecisionMetrics, Enforcer, Identity
from eventyard.store import Store

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/worker/s1"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"


def in_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """An async test run in a loop of its own (the suite has no asyncio plugin)."""
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))
    return run


def allow(action: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action,
                                                               "Resource": resource}]})


class FakeIdentities:
    """Identity-based policies per principal ARN, as the IAM store would give them."""

    def __init__(self) -> None:
        self.policies: dict[str, list[str]] = {}
        self.boundaries: dict[str, str] = {}

    def __call__(self, session: Any, caller: Caller) -> Identity:
        principal = policies.Principal.of_arn(caller.account, caller.principal_arn)
        return Identity(principal, tuple(self.policies.get(caller.principal_arn, [])),
                        self.boundaries.get(caller.principal_arn))


@pytest.fixture
def world(store: Store) -> Iterator[tuple[Invoker, FakeIdentities, CollectorRegistry]]:
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    metrics = CollectorRegistry()
    identities = FakeIdentities()
    enforcer = Enforcer(store, DecisionMetrics(metrics), identities=identities)
    yield Invoker(registry.resolve, enforcer.authorize), identities, metrics


def ctx(principal: str | None = None, account: str = A, **more: Any) -> RequestContext:
    return RequestContext(account=account, principal_arn=principal, **more)


async def _queue(invoker: Invoker) -> str:
    return (await invoker.invoke("sqs", "CreateQueue", {"QueueName": "orders"}, ctx()))["QueueUrl"]


async def _depth(invoker: Invoker, url: str) -> str:
    found = await invoker.invoke("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]}, ctx())
    return found["Attributes"]["ApproximateNumberOfMessages"]


@in_loop
async def test_a_user_without_a_policy_is_refused_in_sqs_words_and_nothing_changes(world) -> None:
    invoker, _, metrics = world
    url = await _queue(invoker)
    with capture_logs() as logs, pytest.raises(ServiceError) as denied:
        await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx(ALICE))
    assert denied.value.code == "AccessDeniedException"  # AccessDenied, 403, on the wire
    assert denied.value.message == (
        f"User: {ALICE} is not authorized to perform: sqs:sendmessage on resource: {QUEUE} "
        "because no identity-based policy allows the sqs:sendmessage action")
    assert await _depth(invoker, url) == "0"
    assert [(e["principal"], e["action"], e["resource"]) for e in logs if e["event"] == "access denied"] == [
        (ALICE, "sqs:SendMessage", QUEUE)]
    assert metrics.get_sample_value("eventyard_authorization_decisions_total",
                                    {"service": "sqs", "decision": "deny"}) == 1


@in_loop
async def test_an_identity_policy_lets_the_user_in(world) -> None:
    invoker, identities, metrics = world
    url = await _queue(invoker)
    identities.policies[ALICE] = [allow("sqs:SendMessage", QUEUE)]
    await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx(ALICE))
    assert await _depth(invoker, url) == "1"
    assert metrics.get_sample_value("eventyard_authorization_decisions_total",
                                    {"service": "sqs", "decision": "allow"}) >= 1


@in_loop
async def test_a_queue_policy_naming_the_user_lets_it_in(world) -> None:
    invoker, _, _ = world
    url = await _queue(invoker)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE},
                                                      "Action": "sqs:SendMessage", "Resource": QUEUE}]}
    await invoker.invoke("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": json.dumps(policy)}},
                         ctx())
    await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx(ALICE))
    assert await _depth(invoker, url) == "1"


@in_loop
async def test_the_session_policy_limits_a_session(world) -> None:
    invoker, identities, _ = world
    url = await _queue(invoker)
    identities.policies[SESSION] = [allow("*")]
    limited = ctx(SESSION, session_policy=allow("sns:*"))
    with pytest.raises(ServiceError) as denied:
        await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, limited)
    assert denied.value.message.endswith("because no session policy allows the sqs:sendmessage action")
    await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx(SESSION))


@in_loop
async def test_the_boundary_limits_a_user(world) -> None:
    invoker, identities, _ = world
    url = await _queue(invoker)
    identities.policies[ALICE] = [allow("*")]
    identities.boundaries[ALICE] = allow("sns:*")
    with pytest.raises(ServiceError) as denied:
        await invoker.invoke("sqs", "GetQueueAttributes", {"QueueUrl": url}, ctx(ALICE))
    assert denied.value.message.endswith("because no permissions boundary allows the sqs:getqueueattributes action")


@in_loop
async def test_sns_and_eventbridge_refuse_in_their_own_words(world) -> None:
    invoker, _, _ = world
    topic = (await invoker.invoke("sns", "CreateTopic", {"Name": "alerts"}, ctx()))["TopicArn"]
    with pytest.raises(ServiceError) as denied:
        await invoker.invoke("sns", "Publish", {"TopicArn": topic, "Message": "m"}, ctx(ALICE))
    assert denied.value.code == "AuthorizationErrorException"
    assert denied.value.message == (f"User: {ALICE} is not authorized to perform: SNS:Publish on resource: {topic} "
                                    "because no identity-based policy allows the SNS:Publish action")
    with pytest.raises(ServiceError) as denied:
        await invoker.invoke("events", "PutEvents", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]},
                             ctx(ALICE))
    assert denied.value.code == "AccessDeniedException"
    assert f"events:PutEvents on resource: arn:aws:events:us-east-1:{A}:event-bus/default" in denied.value.message


@in_loop
async def test_the_root_of_the_account_needs_no_policy_and_another_root_a_grant(world) -> None:
    invoker, _, _ = world
    url = await _queue(invoker)
    await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx())
    with pytest.raises(ServiceError) as denied:
        await invoker.invoke("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, ctx(account=B))
    assert denied.value.message.endswith("because no resource-based policy allows the sqs:sendmessage action")
    assert await _depth(invoker, url) == "1"


@in_loop
async def test_validation_comes_before_authorization(world) -> None:
    """A malformed request is refused as malformed, whoever sends it."""
    invoker, _, _ = world
    from eventyard.api.errors import WireError

    with pytest.raises(WireError):
        await invoker.invoke("sqs", "SendMessage", {"MessageBody": "x"}, ctx(ALICE))
