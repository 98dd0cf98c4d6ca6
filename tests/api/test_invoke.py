"""The in-process seam: operations called through ``Invoker.invoke`` against a store, no
HTTP, with the validation, handlers and errors the wire gets."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest

from eventyard.api.errors import WireError
from eventyard.api.invoke import Invoker
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.store import Store

CALLER = RequestContext(account="123456789012", region="eu-west-1")


@pytest.fixture
def invoker(store: Store) -> Iterator[Invoker]:
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    yield Invoker(registry.resolve)


def call(invoker: Invoker, service: str, operation: str, **params: Any) -> dict[str, Any]:
    return asyncio.run(invoker.invoke(service, operation, params, CALLER))


def refusal(invoker: Invoker, service: str, operation: str, **params: Any) -> ServiceError | WireError:
    with pytest.raises((ServiceError, WireError)) as exc:
        call(invoker, service, operation, **params)
    assert isinstance(exc.value, (ServiceError, WireError))
    return exc.value


def test_sqs_send_and_receive(invoker):
    url = call(invoker, "sqs", "CreateQueue", QueueName="orders")["QueueUrl"]
    assert url.endswith("/123456789012/orders")  # the caller's account, from the context
    sent = call(invoker, "sqs", "SendMessage", QueueUrl=url, MessageBody="hello")
    assert sent["MessageId"]
    got = call(invoker, "sqs", "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages=10)
    assert [m["Body"] for m in got["Messages"]] == ["hello"]


def test_sqs_validation_and_service_errors(invoker):
    url = call(invoker, "sqs", "CreateQueue", QueueName="orders")["QueueUrl"]
    missing = refusal(invoker, "sqs", "SendMessage", QueueUrl=url)
    assert isinstance(missing, WireError)
    assert (missing.code, missing.message) == ("MissingRequiredParameterException",
                                               "The request must contain the parameter MessageBody.")
    unknown = refusal(invoker, "sqs", "GetQueueUrl", QueueName="nowhere")
    assert isinstance(unknown, ServiceError) and unknown.code == "QueueDoesNotExist"


def test_sns_publish(invoker):
    arn = call(invoker, "sns", "CreateTopic", Name="news")["TopicArn"]
    assert arn == "arn:aws:sns:eu-west-1:123456789012:news"
    assert call(invoker, "sns", "Publish", TopicArn=arn, Message="hi")["MessageId"]
    assert [t["TopicArn"] for t in call(invoker, "sns", "ListTopics")["Topics"]] == [arn]


def test_sns_validation_and_service_errors(invoker):
    missing = refusal(invoker, "sns", "Publish", TopicArn="arn:aws:sns:eu-west-1:123456789012:news")
    assert isinstance(missing, WireError)
    assert (missing.code, missing.message) == ("InvalidParameterException",
                                               "Invalid parameter: Message Reason: no value for required parameter")
    absent = refusal(invoker, "sns", "GetTopicAttributes", TopicArn="arn:aws:sns:eu-west-1:123456789012:none")
    assert isinstance(absent, ServiceError) and absent.code == "NotFoundException"


def test_events_rule_and_put_events(invoker):
    call(invoker, "events", "PutRule", Name="all", EventPattern='{"source": ["app"]}')
    assert call(invoker, "events", "DescribeRule", Name="all")["Arn"] == \
        "arn:aws:events:eu-west-1:123456789012:rule/all"
    put = call(invoker, "events", "PutEvents", Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}"}])
    assert put["FailedEntryCount"] == 0


def test_events_validation_and_service_errors(invoker):
    long_name = refusal(invoker, "events", "PutRule", Name="x" * 65, EventPattern='{"source": ["app"]}')
    assert isinstance(long_name, WireError) and long_name.code == "ValidationException"
    assert "name" in long_name.message and "64" in long_name.message
    absent = refusal(invoker, "events", "DescribeRule", Name="none")
    assert isinstance(absent, ServiceError) and absent.code == "ResourceNotFoundException"


def test_an_operation_not_implemented_yet(invoker):
    err = refusal(invoker, "lambda", "ListCodeSigningConfigs")
    assert isinstance(err, WireError)
    assert (err.code, err.status) == ("NotImplemented", 501)
    assert err.message == "lambda ListCodeSigningConfigs is not implemented by eventyard yet."


def test_unknown_operations_and_services(invoker):
    assert refusal(invoker, "sqs", "SendMessages").code == "UnknownOperationException"
    assert refusal(invoker, "nosuchservice", "Anything").code == "UnknownServiceException"
    assert refusal(invoker, "s3", "ListBuckets").code == "UnknownServiceException"  # botocore knows it

