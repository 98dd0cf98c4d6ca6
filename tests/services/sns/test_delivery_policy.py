"""HTTP/S delivery policies: the four phases of healthyRetryPolicy, the backoff functions'
shapes, SNS's limits, and the fixed schedule of SQS and Lambda subscriptions.

Facts: the SNS developer guide, "Amazon SNS message delivery retries" (phases, 3,600 s
cap, the AWS-managed schedule 3 + 2 + 10 + 100,000 attempts).
"""

from __future__ import annotations

import json

import pytest

from eventyard.core.errors import ServiceError
from eventyard.services.sns import delivery_policy as dp


def policy(**kw: object) -> dp.RetryPolicy:
    return dp.retry_policy({"minDelayTarget": 1, "maxDelayTarget": 60, "numRetries": 10, **kw})


def test_phases_in_order():
    p = policy(numNoDelayRetries=2, numMinDelayRetries=2, numMaxDelayRetries=2, backoffFunction="linear")
    delays = [p.delay_before(r) for r in range(1, 11)]
    assert delays[:2] == [0.0, 0.0]
    assert delays[2:4] == [1.0, 1.0]
    assert delays[4:8] == pytest.approx([1.0, 1 + 59 / 3, 1 + 2 * 59 / 3, 60.0])  # backoff from min to max
    assert delays[8:] == [60.0, 60.0]
    assert p.delay_before(11) is None


@pytest.mark.parametrize("function", dp.BACKOFF_FUNCTIONS)
def test_backoff_functions_rise_from_min_to_max(function):
    p = policy(backoffFunction=function)
    delays = [p.delay_before(r) for r in range(1, 11)]
    assert delays[0] == 1.0 and delays[-1] == 60.0
    assert delays == sorted(delays)


def test_backoff_functions_differ_in_shape():
    middle = {f: policy(backoffFunction=f).delay_before(5) for f in dp.BACKOFF_FUNCTIONS}
    assert middle["geometric"] > middle["linear"] > middle["arithmetic"] > middle["exponential"]


def test_default_http_policy_is_three_retries_20_seconds_apart():
    p = dp.effective_http_policy(None, None)
    assert [p.retry.delay_before(r) for r in (1, 2, 3, 4)] == [20.0, 20.0, 20.0, None]
    assert p.content_type == "text/plain; charset=UTF-8" and p.max_per_second is None


def test_subscription_policy_overrides_the_topic_unless_disabled():
    topic = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 2, "maxDelayTarget": 2},
                                 "defaultThrottlePolicy": {"maxReceivesPerSecond": 3}}})
    sub = json.dumps({"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}})
    assert dp.effective_http_policy(topic, None).retry.retries == 5
    assert dp.effective_http_policy(topic, None).max_per_second == 3
    assert dp.effective_http_policy(topic, sub).retry.retries == 1
    locked = json.dumps({"http": {**json.loads(topic)["http"], "disableSubscriptionOverrides": True}})
    assert dp.effective_http_policy(locked, sub).retry.retries == 5


@pytest.mark.parametrize("healthy", [
    {"numRetries": 101},
    {"minDelayTarget": 30, "maxDelayTarget": 10},
    {"numRetries": 2, "numNoDelayRetries": 3},
    {"backoffFunction": "random"},
    {"minDelayTarget": 3600, "maxDelayTarget": 3600, "numRetries": 2},  # 7,200 s > 3,600 s
])
def test_limits(healthy):
    with pytest.raises(ServiceError) as exc:
        dp.parse_subscription_policy(json.dumps({"healthyRetryPolicy": healthy}))
    assert exc.value.code == "InvalidParameterException"
    assert exc.value.message.startswith("Invalid parameter: DeliveryPolicy: ")


def test_managed_schedule_for_sqs_and_lambda():
    delays = [dp.managed_delay_before(r) for r in range(1, 16)]
    assert delays[:3] == [0.0, 0.0, 0.0] and delays[3:5] == [1.0, 1.0]
    backoff = delays[5:15]
    assert backoff == sorted(backoff) and backoff[0] >= 1.0 and backoff[-1] == 20.0
    assert dp.managed_delay_before(100_015) == 20.0 and dp.managed_delay_before(100_016) is None
