"""SNS's public publish entry for its deliverers (an EventBridge rule's topic target),
in-process against a store: Publish's checks, the topic's policy, Publish's errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.store import Store

OWNER, OTHER, REGION = "111111111111", "222222222222", "us-east-1"


def refused(coroutine: Any) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        asyncio.run(coroutine)
    return exc.value


def test_publish_on_behalf(store: Store):
    sns = ServiceRegistry(store, DeliveryRuntime(store)).sns
    owner = RequestContext(account=OWNER, region=REGION)
    arn = asyncio.run(sns.create_topic(owner, {"Name": "news"}))["TopicArn"]
    assert asyncio.run(sns.publish_on_behalf(OWNER, REGION, arn, "hello"))
    assert refused(sns.publish_on_behalf(OTHER, REGION, arn, "hello")).code == "AuthorizationErrorException"
    assert refused(sns.publish_on_behalf(OWNER, REGION, arn + "-gone", "hello")).code == "NotFoundException"
    assert refused(sns.publish_on_behalf(OWNER, REGION, arn, "")).code == "InvalidParameterException"
