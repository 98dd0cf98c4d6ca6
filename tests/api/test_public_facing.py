"""A server facing the public: Host checks and the public URL, signatures scoped to the
service they call, unsigned SNS URLs, /metrics behind a credential, and connections that
stall while sending a request."""

from __future__ import annotations

import socket
import time

import botocore.auth
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import client

AKID, SECRET, ACCOUNT = "AKIDPUBLIC0001", "public-secret", "444455556666"
TOKEN = "metrics-token-for-tests"


@pytest.fixture(scope="module")
def signed_server(make_server):
    return make_server(extra_args=["--auth", "sigv4", "--access-keys", f"{AKID}:{SECRET}:{ACCOUNT}",
                                   "--metrics-token", TOKEN, "--request-timeout", "1"])


@pytest.fixture(scope="module")
def public_server(make_server):
    return make_server(extra_args=["--public-url", "https://queues.example.com:8443/"])


def _signed_client(server, service):
    c = client(service, server.url, secret=SECRET)
    c._request_signer._credentials = Credentials(AKID, SECRET)
    return c


def _sign(url: str, body: bytes, service: str, headers: dict[str, str]) -> httpx.Response:
    req = AWSRequest(method="POST", url=url + "/", data=body, headers=headers)
    botocore.auth.SigV4Auth(Credentials(AKID, SECRET), service, "us-east-1").add_auth(req)
    return httpx.post(req.url, headers=dict(req.headers.items()), content=body, timeout=10)


# -- Host and the public URL ---------------------------------------------------------
def test_a_host_header_that_is_not_a_host_is_refused(server):
    body = b'{"QueueName": "hosted"}'
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    assert httpx.post(server.url + "/", content=body, headers=headers, timeout=10).status_code == 200
    r = httpx.post(server.url + "/", content=body, headers={**headers, "Host": "evil.example/<script>"}, timeout=10)
    assert r.status_code == 400
    assert "<script>" not in r.text
    r = httpx.post(server.url + "/", content=b"Action=GetQueueUrl&QueueName=hosted", timeout=10,
                   headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "evil.example/<x>"})
    assert r.status_code == 400 and "<x>" not in r.text


def test_a_plain_host_is_used_in_urls(server):
    r = httpx.post(server.url + "/", content=b'{"QueueName": "hosted2"}', timeout=10, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue",
        "Host": "sqs.internal:4566"})
    assert r.json()["QueueUrl"] == "http://sqs.internal:4566/000000000000/hosted2"


def test_the_public_url_setting_names_every_url(public_server):
    sqs = client("sqs", public_server.url)
    url = sqs.create_queue(QueueName="pub")["QueueUrl"]
    assert url == "https://queues.example.com:8443/000000000000/pub"
    r = httpx.post(public_server.url + "/", content=b'{"QueueName": "pub"}', timeout=10, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.GetQueueUrl",
        "Host": "evil.example/<script>"})
    assert r.status_code == 200 and r.json()["QueueUrl"] == url
    sqs.send_message(QueueUrl=url, MessageBody="x")  # its own URL works against the real address


def test_a_bad_public_url_is_refused_at_start(tmp_path):
    from click.testing import CliRunner

    from eventyard.cli import main

    result = CliRunner().invoke(main, ["serve", "--store", f"sqlite:///{tmp_path}/y.db", "--public-url",
                                       "http://evil.example/<script>"])
    assert result.exit_code != 0 and "--public-url" in result.output


# -- signatures scoped to the service --------------------------------------------------
def test_a_request_signed_for_another_service_is_refused(signed_server):
    json_headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"}
    assert _sign(signed_server.url, b"{}", "sqs", json_headers).status_code == 200
    r = _sign(signed_server.url, b"{}", "sns", json_headers)
    assert r.status_code in (400, 403)
    assert "Credential should be scoped to correct service: 'sqs'." in r.text
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"Action=ListTopics&Version=2010-03-31"
    assert _sign(signed_server.url, body, "sns", form).status_code == 200
    r = _sign(signed_server.url, body, "sqs", form)
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert "Credential should be scoped to correct service: &apos;sns&apos;." in r.text or \
        "Credential should be scoped to correct service: 'sns'." in r.text


# -- SNS's URLs work unsigned ------------------------------------------------------------
def test_unsubscribe_url_works_without_a_signature(signed_server):
    sns, sqs = _signed_client(signed_server, "sns"), _signed_client(signed_server, "sqs")
    topic = sns.create_topic(Name="unsub")["TopicArn"]
    queue = sqs.create_queue(QueueName="unsub-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="hello")
    message = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10)["Messages"][0]
    import json

    unsubscribe_url = json.loads(message["Body"])["UnsubscribeURL"]
    assert unsubscribe_url.startswith(signed_server.url)
    r = httpx.get(unsubscribe_url, timeout=10)
    assert r.status_code == 200, r.text
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    with pytest.raises(ClientError):
        sns.get_subscription_attributes(SubscriptionArn=sub)
    # other actions stay closed to unsigned requests
    r = httpx.get(f"{signed_server.url}/?Action=ListTopics&Version=2010-03-31", timeout=10)
    assert r.status_code == 403 and "MissingAuthenticationToken" in r.text


# -- /metrics ----------------------------------------------------------------------------
def test_metrics_need_a_credential_in_sigv4_mode(signed_server):
    assert httpx.get(signed_server.url + "/metrics", timeout=10).status_code == 403
    assert httpx.get(signed_server.url + "/metrics", timeout=10,
                     headers={"Authorization": "Bearer wrong"}).status_code == 403
    r = httpx.get(signed_server.url + "/metrics", timeout=10, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    req = AWSRequest(method="GET", url=signed_server.url + "/metrics")
    botocore.auth.SigV4Auth(Credentials(AKID, SECRET), "monitoring", "us-east-1").add_auth(req)
    assert httpx.get(req.url, headers=dict(req.headers.items()), timeout=10).status_code == 200
    req = AWSRequest(method="GET", url=signed_server.url + "/metrics")
    botocore.auth.SigV4Auth(Credentials(AKID, "not-the-secret"), "monitoring", "us-east-1").add_auth(req)
    assert httpx.get(req.url, headers=dict(req.headers.items()), timeout=10).status_code == 403


def test_metrics_stay_open_in_dev_mode(server):
    assert httpx.get(server.url + "/metrics", timeout=10).status_code == 200


# -- stalled connections -----------------------------------------------------------------
def _closed_by_server(sock: socket.socket, deadline_s: float = 30.0) -> bool:
    """Whether the server closes the connection (EOF or reset) before the deadline."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            continue
        except ConnectionError:
            return True
    return False


@pytest.mark.parametrize("sent", [
    b"",  # connects and says nothing
    b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Ty",  # half the headers
    b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"partial\"",  # half the body
])
def test_a_stalled_request_is_closed(signed_server, sent):
    with socket.create_connection(("127.0.0.1", signed_server.port), timeout=10) as sock:
        sock.sendall(sent)
        assert _closed_by_server(sock)


def test_answering_slowly_is_not_a_stalled_request(signed_server):
    """The deadline covers receiving a request, not answering it: a long poll longer
    than the request timeout still answers."""
    sqs = _signed_client(signed_server, "sqs")
    url = sqs.create_queue(QueueName="slow-answer")["QueueUrl"]
    started = time.monotonic()
    answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert answer.get("Messages") is None and time.monotonic() - started >= 1.5
