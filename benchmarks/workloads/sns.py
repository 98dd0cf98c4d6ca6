"""sns: PublishBatch into one topic with 10 SQS subscriptions, half of them filtered.

Setup: a standard topic ``bench-topic`` and ``queues`` (10) standard queues, each
subscribed (envelope delivery, not raw). The first half take every message; of the other
half, three filter on a ``color`` message attribute (one colour each of five) and two
on the message body (``amount`` below or from 500, a ``MessageBody``-scope numeric
range). So a message is delivered 5 + 3/5 + 1 = 6.6 times on average. Messages are
about 200 bytes of JSON carrying their key and send time; each producer computes its
messages' expected deliveries (queue and count) client side from the same policies.

Two phases per system, each with ``procs`` publisher processes (default 4) sending
PublishBatch calls of ``batch`` (10) and ``consumers`` consumer processes long-polling
the queues with ``pollers`` threads per queue (ReceiveMessage 10, WaitTimeSeconds 2,
then DeleteMessageBatch), exactly as the ``eventbridge`` workload does:

1. latency: the publishers offer ``rate`` messages/s in total (default 1,000), paced,
   for ``--duration`` seconds after ``--warmup``; publish-to-receive latency is the
   consumer's receive time minus the publisher's send time stamped in the message, over
   every delivery of messages sent after the warm-up.
2. throughput: the publishers send as fast as they can for ``--duration`` seconds.
   ``published/s`` = entries PublishBatch accepted / the sending window;
   ``delivered/s`` = deliveries received / the time from the first send to the last
   delivery.

After each phase the consumers drain until every expected delivery arrived, or nothing
came for ``drain_idle`` seconds. ``lost`` = expected deliveries that never arrived,
``dup`` = deliveries beyond the expected ones (both phases). The standard ops/s, p50
and p99 columns are the PublishBatch calls of the throughput phase.
"""

from __future__ import annotations

import json

import orjson
import signal
import threading
import time
from collections import Counter
from typing import Any

from ..harness import Result, error_kind, make_client
from ..wire import load_client
from . import RunContext, register
from ._fanout import FanoutWorkload

TOPIC = "bench-topic"
COLORS = ["red", "green", "blue", "amber", "violet"]


def subscriptions(n_queues: int) -> list[tuple[dict[str, Any] | None, str]]:
    """(filter policy or None, scope) per queue: the first half unfiltered, then colour
    filters on attributes, then amount ranges on the body."""
    half = n_queues // 2
    out: list[tuple[dict[str, Any] | None, str]] = [(None, "MessageAttributes")] * (n_queues - half)
    filtered = [({"color": [COLORS[i % len(COLORS)]]}, "MessageAttributes") for i in range(half - half * 2 // 5)]
    bodies = [({"amount": [{"numeric": [">=", 0, "<", 500]}]}, "MessageBody"),
              ({"amount": [{"numeric": [">=", 500]}]}, "MessageBody")]
    for i in range(half * 2 // 5):
        filtered.append(bodies[i % 2])
    return out + filtered


def _accepts(policy: dict[str, Any] | None, message: dict[str, Any], color: str) -> bool:
    if policy is None:
        return True
    if "color" in policy:
        return color in policy["color"]
    rng = policy["amount"][0]["numeric"]
    amount = message["amount"]
    return bool(amount >= rng[1] and (len(rng) == 2 or amount < rng[3]))  # [">=", low] or [">=", low, "<", high]


# -- client processes ---------------------------------------------------------------
def _producer(index: int, endpoint: str, params: dict[str, Any], per_proc_rate: float | None, start_at: float,
              duration: float, out: Any) -> None:
    """Publish batches until ``duration`` after ``start_at`` (paced when ``per_proc_rate``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("sns", endpoint, params["_client"])
    batch = params["batch"]
    topic = params["_topic"]
    subs = params["_subs"]
    producer = index + params["_offset"]
    accepted: list[tuple[str, str, float, tuple[int, ...]]] = []  # (message id, key, sent, queues matched)
    latencies: list[tuple[float, float]] = []
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.time()
    sent_batches = 0
    n = 0
    while True:
        now = time.time()
        if now - t0 >= duration:
            break
        if per_proc_rate:
            due = t0 + sent_batches * batch / per_proc_rate
            if due > now:
                time.sleep(due - now)
        sent = time.time()
        messages = []
        for _ in range(batch):
            h = (n * 2654435761 + producer * 97) & 0xFFFFFFFF
            messages.append(({"key": f"{producer}-{n}", "sent": sent, "amount": h % 1000,
                              "customer": f"c-{h % 50000}", "note": "x" * 60}, COLORS[(h >> 8) % len(COLORS)]))
            n += 1
        entries = [{"Id": str(i), "Message": orjson.dumps(m).decode(),
                    "MessageAttributes": {"color": {"DataType": "String", "StringValue": color},
                                          "amount": {"DataType": "Number", "StringValue": str(m["amount"])}}}
                   for i, (m, color) in enumerate(messages)]
        p0 = time.perf_counter()
        try:
            result = client.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        except Exception as exc:  # noqa: BLE001 - every failure is a data point
            kind = error_kind(exc)
            errors[kind] += 1
            samples.setdefault(kind, str(exc)[:200])
            sent_batches += 1
            continue
        latencies.append((sent, time.perf_counter() - p0))
        sent_batches += 1
        for failed in result.get("Failed", []):
            kind = f"entry:{failed.get('Code')}"
            errors[kind] += 1
            samples.setdefault(kind, str(failed.get("Message"))[:200])
        for ok in result.get("Successful", []):
            m, color = messages[int(ok["Id"])]
            matched = tuple(q for q, (policy, _) in enumerate(subs) if _accepts(policy, m, color))
            accepted.append((ok["MessageId"], m["key"], sent, matched))
    out.put(("producer", index, {"accepted": accepted, "latencies": latencies, "errors": errors,
                                 "samples": samples, "window": (t0, time.time())}))


def _consumer(index: int, endpoint: str, urls: list[tuple[int, str]], pollers: int, stop: Any, received: Any,
              out: Any, mode: str = "boto3") -> None:
    """Long-poll ``urls`` (``pollers`` threads each) until ``stop``; report every delivery."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    got: list[tuple[str, int, float, float]] = []  # (event key, queue index, sent, received)
    lock = threading.Lock()
    errors: Counter[str] = Counter()

    def drain(q: int, url: str) -> None:
        client = load_client("sqs", endpoint, mode)
        while not stop.is_set():
            try:
                messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                  WaitTimeSeconds=2).get("Messages", [])
            except Exception as exc:  # noqa: BLE001
                errors[error_kind(exc)] += 1
                time.sleep(0.1)
                continue
            now = time.time()
            if not messages:
                continue
            rows = []
            for m in messages:
                try:
                    detail = orjson.loads(orjson.loads(m["Body"])["Message"])
                    rows.append((detail["key"], q, float(detail["sent"]), now))
                except (ValueError, KeyError, TypeError):
                    errors["unparsable body"] += 1
            with lock:
                got.extend(rows)
            with received.get_lock():
                received.value += len(rows)
            try:
                client.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            except Exception as exc:  # noqa: BLE001
                errors[error_kind(exc)] += 1

    threads = [threading.Thread(target=drain, args=(q, url), daemon=True) for q, url in urls for _ in range(pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("consumer", index, {"got": got, "errors": errors}))


# -- the workload -------------------------------------------------------------------
@register
class Sns(FanoutWorkload):
    noun = "message"
    accepted_verb = "published"
    producer = staticmethod(_producer)
    consumer = staticmethod(_consumer)
    name = "sns"
    description = "PublishBatch into a topic with 10 SQS subscriptions (half filtered); published/delivered/s, latency, lost"
    service = "sns"
    defaults = {"queues": 10, "batch": 10, "consumers": 2, "pollers": 2, "rate": 1000, "drain_idle": 10.0,
                "phases": "latency,throughput"}
    extra_columns = ("published msg/s", "delivered msg/s", "CPU us/msg", "e2e p50 ms", "e2e p99 ms", "lost", "dup")
    cpu_column = "CPU us/msg"

    def run(self, ctx: RunContext) -> Result:
        params = dict(self.params)
        procs = ctx.procs if ctx.procs > 1 else 4  # four publishers unless --procs says otherwise
        sns = make_client("sns", ctx.endpoint)
        sqs = make_client("sqs", ctx.endpoint)
        topic = sns.create_topic(Name=TOPIC)["TopicArn"]
        subs = subscriptions(int(params["queues"]))
        queue_urls = []
        filtered = 0
        for q, (policy, scope) in enumerate(subs):
            url = sqs.create_queue(QueueName=f"bench-sns-{q}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            attributes = {}
            if policy is not None:
                attributes = {"FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope}
                filtered += 1
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
            queue_urls.append(url)
        params["_topic"] = topic
        params["_subs"] = subs
        notes = [f"{len(subs)} SQS subscriptions ({filtered} filtered), {procs} publisher + "
                 f"{params['consumers']} consumer processes ({params['pollers']} pollers per queue)"]

        return self.run_phases(ctx, params, procs, queue_urls, notes)
