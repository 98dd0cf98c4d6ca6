"""SNS signs notifications off the event loop (an RSA signature costs about 0.3 ms, and
cryptography releases the GIL while OpenSSL signs), once per message and text however
many subscriptions take it, none for raw delivery; and what it signs still verifies as
an SNS subscriber verifies it: the canonical string rebuilt from the envelope, checked
with the certificate served at SigningCertURL. In-process, against a store."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from _sns import canonical
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.sns.signing import SigningKey
from eventyard.store import Store

OWNER, REGION = "111111111111", "us-east-1"


def test_publish_batch_signs_off_the_event_loop_once_per_message_and_every_signature_verifies(store: Store,
                                                                                             monkeypatch: Any):
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    sns, sqs = registry.sns, registry.sqs
    ctx = RequestContext(account=OWNER, region=REGION, base_url="http://localhost:4566")
    signed_on: list[str] = []  # the threads that signed, by name
    original = SigningKey.sign

    def recording(self: SigningKey, text: str, version: str) -> str:
        signed_on.append(threading.current_thread().name)
        return original(self, text, version)

    monkeypatch.setattr(SigningKey, "sign", recording)

    async def queue(name: str) -> tuple[str, str]:
        url = (await sqs.create_queue(ctx, {"QueueName": name}))["QueueUrl"]
        attrs = await sqs.get_queue_attributes(ctx, {"QueueUrl": url, "AttributeNames": ["QueueArn"]})
        return url, attrs["Attributes"]["QueueArn"]

    async def drain(url: str) -> list[str]:
        bodies: list[str] = []
        while True:
            got = (await sqs.receive_message(ctx, {"QueueUrl": url, "MaxNumberOfMessages": 10})).get("Messages", [])
            if not got:
                return bodies
            bodies += [m["Body"] for m in got]

    async def scenario() -> None:
        loop_thread = threading.current_thread().name
        for version in ("1", "2"):
            topic = (await sns.create_topic(ctx, {"Name": f"signed-v{version}",
                                                  "Attributes": {"SignatureVersion": version}}))["TopicArn"]
            queues = {name: await queue(f"{name}-v{version}") for name in ("all", "red", "raw")}
            await sns.subscribe(ctx, {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queues["all"][1]})
            await sns.subscribe(ctx, {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queues["red"][1],
                                      "Attributes": {"FilterPolicy": json.dumps({"color": ["red"]})}})
            await sns.subscribe(ctx, {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queues["raw"][1],
                                      "Attributes": {"RawMessageDelivery": "true"}})

            def batch(k: int) -> list[dict[str, Any]]:
                entries: list[dict[str, Any]] = []
                for i in range(10):
                    entry: dict[str, Any] = {"Id": str(i), "Message": f"message {k}-{i} ☃", "MessageAttributes": {
                        "color": {"DataType": "String", "StringValue": "red" if i % 3 == 0 else "blue"}}}
                    if i % 2:
                        entry["Subject"] = "s"
                    entries.append(entry)
                return entries

            # the first publish reads the topic's subscriptions into this node's cache; the
            # second finds them there: both sign off the event loop (and off the store's writer)
            for k in (0, 1):
                signed_on.clear()
                await sns.publish_batch(ctx, {"TopicArn": topic, "PublishBatchRequestEntries": batch(k)})
                # ten messages, ten signatures: two enveloped subscriptions share each, raw delivery needs none
                assert len(signed_on) == 10 and loop_thread not in signed_on
                assert all(name.startswith("sns-sign") for name in signed_on), signed_on
            bodies = {name: await drain(url) for name, (url, _) in queues.items()}
            name = json.loads(bodies["all"][0])["SigningCertURL"].rsplit("/", 1)[1]
            verify_all(bodies, await sns.signing_certificate(name))

    asyncio.run(scenario())


def verify_all(bodies: dict[str, list[str]], pem: bytes | None) -> None:
    assert pem is not None
    key = x509.load_pem_x509_certificate(pem).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    assert len(bodies["all"]) == 20 and len(bodies["red"]) == 8  # 0, 3, 6, 9 of each batch
    assert sorted(bodies["raw"]) == sorted(f"message {k}-{i} ☃" for k in (0, 1) for i in range(10))
    for text in bodies["all"] + bodies["red"]:
        envelope = json.loads(text)
        algorithm = hashes.SHA256() if envelope["SignatureVersion"] == "2" else hashes.SHA1()
        key.verify(base64.b64decode(envelope["Signature"]), canonical(envelope).encode(), padding.PKCS1v15(),
                   algorithm)
