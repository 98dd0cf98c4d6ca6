"""HTTP/S delivery policies and the retry schedules of every protocol.

An HTTP/S retry policy has four phases after the first attempt: ``numNoDelayRetries``
at once, ``numMinDelayRetries`` ``minDelayTarget`` apart, the backoff phase (the
remaining retries, from ``minDelayTarget`` up to ``maxDelayTarget`` along
``backoffFunction``), and ``numMaxDelayRetries`` ``maxDelayTarget`` apart. AWS draws the
four backoff functions but gives no formula; here, with x the position in the backoff
phase from 0 to 1: linear ``x``, arithmetic ``x^2``, geometric ``sqrt(x)`` and
exponential ``(2^(kx) - 1) / (2^k - 1)``. Jitter of up to 10% is added, as SNS jitters.

SQS and Lambda subscriptions follow AWS's fixed schedule: 3 immediate retries, 2 at 1 s,
10 backing off from 1 s to 20 s, then 100,000 at 20 s (100,015 attempts over 23 days).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from eventyard.core import jsondoc
from eventyard.core.errors import ServiceError

MAX_TOTAL_SECONDS = 3600
BACKOFF_FUNCTIONS = ("linear", "arithmetic", "geometric", "exponential")
DEFAULT_HEALTHY = {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
                   "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"


def _invalid(reason: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"Invalid parameter: DeliveryPolicy: {reason}")


@dataclass(frozen=True)
class RetryPolicy:
    min_delay: int = 20
    max_delay: int = 20
    retries: int = 3
    no_delay: int = 0
    min_delay_retries: int = 0
    max_delay_retries: int = 0
    backoff: str = "linear"

    def delay_before(self, retry: int) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based); None past the last."""
        if retry > self.retries:
            return None
        if retry <= self.no_delay:
            return 0.0
        if retry <= self.no_delay + self.min_delay_retries:
            return float(self.min_delay)
        backoff_n = self.retries - self.no_delay - self.min_delay_retries - self.max_delay_retries
        k = retry - self.no_delay - self.min_delay_retries
        if k > backoff_n:
            return float(self.max_delay)
        x = 0.0 if backoff_n <= 1 else (k - 1) / (backoff_n - 1)
        return self.min_delay + (self.max_delay - self.min_delay) * _shape(self.backoff, x, backoff_n)

    def total_seconds(self) -> float:
        return sum(self.delay_before(r) or 0.0 for r in range(1, self.retries + 1))


def _shape(function: str, x: float, n: int) -> float:
    if function == "arithmetic":
        return x * x
    if function == "geometric":
        return float(x ** 0.5)
    if function == "exponential":
        k = max(1, min(n, 30))
        return float((2 ** (k * x) - 1) / (2 ** k - 1))
    return x


def jittered(seconds: float) -> float:
    return seconds * (1 + random.random() * 0.1) if seconds > 0 else 0.0


def managed_delay_before(retry: int) -> float | None:
    """AWS's schedule for SQS and Lambda subscriptions."""
    if retry <= 3:
        return 0.0
    if retry <= 5:
        return 1.0
    if retry <= 15:
        return min(20.0, 2.0 ** (retry - 6) * 1.0 + 1.0) if retry < 15 else 20.0
    if retry <= 100_015:
        return 20.0
    return None


def _int(policy: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = policy.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"{key} must be an integer between {low} and {high}")
    return value


def retry_policy(healthy: dict[str, Any] | None) -> RetryPolicy:
    """A ``healthyRetryPolicy`` object, checked against SNS's limits."""
    if healthy is None:
        return RetryPolicy()
    if not isinstance(healthy, dict):
        raise _invalid("healthyRetryPolicy must be an object")
    max_delay = _int(healthy, "maxDelayTarget", 20, 1, MAX_TOTAL_SECONDS)
    min_delay = _int(healthy, "minDelayTarget", 20, 1, MAX_TOTAL_SECONDS)
    if min_delay > max_delay:
        raise _invalid("minDelayTarget must be less than or equal to maxDelayTarget")
    policy = RetryPolicy(
        min_delay=min_delay, max_delay=max_delay, retries=_int(healthy, "numRetries", 3, 0, 100),
        no_delay=_int(healthy, "numNoDelayRetries", 0, 0, 100),
        min_delay_retries=_int(healthy, "numMinDelayRetries", 0, 0, 100),
        max_delay_retries=_int(healthy, "numMaxDelayRetries", 0, 0, 100),
        backoff=healthy.get("backoffFunction", "linear"),
    )
    if policy.backoff not in BACKOFF_FUNCTIONS:
        raise _invalid("backoffFunction must be one of linear, arithmetic, geometric, exponential")
    if policy.no_delay + policy.min_delay_retries + policy.max_delay_retries > policy.retries:
        raise _invalid("numRetries must be at least numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries")
    if policy.total_seconds() > MAX_TOTAL_SECONDS:
        raise _invalid(f"the total retry time must not exceed {MAX_TOTAL_SECONDS} seconds")
    return policy


def _throttle(throttle: Any) -> int | None:
    if throttle is None:
        return None
    if not isinstance(throttle, dict):
        raise _invalid("throttlePolicy must be an object")
    value = throttle.get("maxReceivesPerSecond")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid("maxReceivesPerSecond must be a positive integer")
    return value


def _load(text: str) -> dict[str, Any]:
    try:
        parsed = jsondoc.loads(text)
    except ValueError:  # nested past the limit as well
        parsed = None
    if not isinstance(parsed, dict):
        raise _invalid("failed to parse JSON")
    return parsed


def parse_topic_policy(text: str) -> dict[str, Any]:
    """A topic's ``DeliveryPolicy``: ``{"http": {"defaultHealthyRetryPolicy", ...}}``."""
    policy = _load(text)
    http = policy.get("http")
    if http is not None:
        if not isinstance(http, dict):
            raise _invalid("http must be an object")
        retry_policy(http.get("defaultHealthyRetryPolicy"))
        _throttle(http.get("defaultThrottlePolicy"))
    return policy


def parse_subscription_policy(text: str) -> dict[str, Any]:
    """A subscription's ``DeliveryPolicy``: ``{"healthyRetryPolicy", "throttlePolicy", ...}``."""
    policy = _load(text)
    retry_policy(policy.get("healthyRetryPolicy"))
    _throttle(policy.get("throttlePolicy"))
    request = policy.get("requestPolicy")
    if request is not None and not isinstance(request, dict):
        raise _invalid("requestPolicy must be an object")
    return policy


def effective_topic_policy(text: str | None) -> str:
    http: dict[str, Any] = {"defaultHealthyRetryPolicy": dict(DEFAULT_HEALTHY), "disableSubscriptionOverrides": False,
                            "defaultRequestPolicy": {"headerContentType": DEFAULT_CONTENT_TYPE}}
    if text:
        given = json.loads(text).get("http") or {}
        for key, value in given.items():
            if isinstance(value, dict) and isinstance(http.get(key), dict):
                http[key] = {**http[key], **value}
            else:
                http[key] = value
    return json.dumps({"http": http}, separators=(",", ":"))


@dataclass(frozen=True)
class HttpPolicy:
    """What an HTTP/S delivery follows: retries, throttle, content type."""

    retry: RetryPolicy
    max_per_second: int | None
    content_type: str

    def as_dict(self) -> dict[str, Any]:
        r = self.retry
        return {"min": r.min_delay, "max": r.max_delay, "retries": r.retries, "no_delay": r.no_delay,
                "min_retries": r.min_delay_retries, "max_retries": r.max_delay_retries, "backoff": r.backoff,
                "rate": self.max_per_second, "content_type": self.content_type}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "HttpPolicy":
        return cls(RetryPolicy(d["min"], d["max"], d["retries"], d["no_delay"], d["min_retries"], d["max_retries"],
                               d["backoff"]), d.get("rate"), d["content_type"])


def effective_http_policy(topic_policy: str | None, subscription_policy: str | None) -> HttpPolicy:
    """The subscription's policy over the topic's defaults (unless the topic disables
    subscription overrides)."""
    http = (json.loads(topic_policy).get("http") or {}) if topic_policy else {}
    sub = json.loads(subscription_policy) if subscription_policy else {}
    if http.get("disableSubscriptionOverrides"):
        sub = {}
    healthy = sub.get("healthyRetryPolicy") or http.get("defaultHealthyRetryPolicy")
    throttle = sub.get("throttlePolicy") or http.get("defaultThrottlePolicy")
    request = sub.get("requestPolicy") or http.get("defaultRequestPolicy") or {}
    return HttpPolicy(retry_policy({**DEFAULT_HEALTHY, **healthy} if healthy else None), _throttle(throttle),
                      request.get("headerContentType") or DEFAULT_CONTENT_TYPE)


def effective_subscription_policy(topic_policy: str | None, subscription_policy: str | None) -> str:
    p = effective_http_policy(topic_policy, subscription_policy)
    r = p.retry
    out: dict[str, Any] = {
        "healthyRetryPolicy": {"minDelayTarget": r.min_delay, "maxDelayTarget": r.max_delay, "numRetries": r.retries,
                               "numMaxDelayRetries": r.max_delay_retries, "numNoDelayRetries": r.no_delay,
                               "numMinDelayRetries": r.min_delay_retries, "backoffFunction": r.backoff},
        "sicklyRetryPolicy": None, "throttlePolicy": {"maxReceivesPerSecond": p.max_per_second} if p.max_per_second else None,
        "guaranteed": False,
    }
    if subscription_policy and json.loads(subscription_policy).get("requestPolicy"):
        out["requestPolicy"] = {"headerContentType": p.content_type}
    return json.dumps(out, separators=(",", ":"))
