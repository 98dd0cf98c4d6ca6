"""Queue URLs: every form a request may name a queue by (pure, no server)."""

from __future__ import annotations

import pytest

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services.sqs.urls import QueueRef, parse_url, queue_url


@pytest.mark.parametrize("url,ref", [
    ("http://127.0.0.1:4566/queue/eu-north-1/123456789012/orders", QueueRef("123456789012", "orders", "eu-north-1")),
    ("https://sqs.ap-southeast-2.amazonaws.com/123456789012/o.fifo", QueueRef("123456789012", "o.fifo", "ap-southeast-2")),
    ("https://eu-west-1.queue.amazonaws.com/123456789012/orders", QueueRef("123456789012", "orders", "eu-west-1")),
    ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/orders", QueueRef("123456789012", "orders", "cn-north-1")),
    ("http://localhost:4566/123456789012/orders", QueueRef("123456789012", "orders", None)),  # earlier form
    ("/123456789012/orders", QueueRef("123456789012", "orders", None)),
    ("orders", QueueRef(None, "orders", None)),  # a bare name, as AWS accepts
])
def test_forms_of_a_queue_url(url, ref):
    assert parse_url(url) == ref


@pytest.mark.parametrize("url", ["http://host/", "http://host/orders", "http://host/notanaccount/orders", "a/b"])
def test_urls_that_name_no_queue(url):
    with pytest.raises(ServiceError) as exc:
        parse_url(url)
    assert exc.value.code == "QueueDoesNotExist"


def test_a_queue_of_another_region_carries_its_region_in_the_path():
    ctx = RequestContext(base_url="http://example.test:4566")
    url = queue_url(ctx, "us-west-2", "123456789012", "q")
    assert url == "http://example.test:4566/queue/us-west-2/123456789012/q"
    assert parse_url(url) == QueueRef("123456789012", "q", "us-west-2")


def test_a_queue_of_the_callers_region_has_aws_own_path():
    # Terraform's provider reads the queue name from a path of exactly two segments
    # (/account/name) and refuses any other URL; the caller's region resolves it back.
    ctx = RequestContext(base_url="http://example.test:4566", region="eu-west-1")
    url = queue_url(ctx, "eu-west-1", "123456789012", "q.fifo")
    assert url == "http://example.test:4566/123456789012/q.fifo"
    assert parse_url(url) == QueueRef("123456789012", "q.fifo", None)
