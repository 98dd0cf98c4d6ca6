"""eventbridge: PutEvents into a custom bus with 100 rules, delivered to SQS queues.

Setup: a custom bus, ``queues`` standard queues and ``rules`` rules whose patterns are
the usual kinds (source; source + detail-type; two detail fields; a narrow numeric range
or prefix on top of a source). Each rule targets one queue, round robin. Every event
matches ``source``, ``source + detail-type`` and ``region + tier`` rules, plus a narrow
one now and then: about 3.1 rules, so about 3.1 deliveries per event. With
``-p match=one`` the rules split the events between them instead (a source and an amount
range each): one delivery per event. The expected
deliveries of each event are computed client side from the same rule set.

Two phases per system, each with ``procs`` producer processes (default 4, "4
producers") sending PutEvents batches of ``batch`` (10) and ``consumers`` consumer
processes long-polling the queues with ``pollers`` threads per queue (ReceiveMessage 10,
WaitTimeSeconds 2, then DeleteMessageBatch):

1. latency: producers offer ``rate`` events/s in total (default 1,000), paced, for
   ``--duration`` seconds after ``--warmup``; publish-to-receive latency is the
   consumer's receive time minus the producer's send time stamped in the event (one
   clock: the same machine), over every delivery of events sent after the warm-up.
2. throughput: producers send as fast as they can for ``--duration`` seconds.
   ``accepted/s`` = entries PutEvents accepted / the sending window; ``delivered/s`` =
   deliveries received / the time from the first send to the last delivery.

After each phase the consumers drain until every expected delivery arrived, or nothing
came for ``drain_idle`` seconds. ``lost`` = expected deliveries that never arrived,
``dup`` = deliveries beyond the expected ones (both phases). The standard ops/s, p50 and
p99 columns are the PutEvents calls of the throughput phase.
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

BUS = "bench-bus"
SOURCES = [f"shop.{name}" for name in ("orders", "payments", "shipping", "inventory", "billing",
                                       "catalog", "returns", "reviews", "accounts", "marketing")]
TYPES = ["Created", "Updated", "Deleted"]
REGIONS = ["eu", "us", "apac", "latam", "africa"]
TIERS = ["free", "pro", "enterprise"]
SKU_PREFIXES = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K"]


def rule_set(n_rules: int, match: str = "mixed") -> list[tuple[str, dict[str, Any]]]:
    """(name, pattern) for ``n_rules`` rules.

    ``mixed``: 10 by source, 30 by source and detail-type, 15 by region and tier, the rest
    narrow (numeric range or sku prefix on a source); about 3.1 match each event.
    ``one``: the rules split the events between them (a source and an amount range each),
    so each event matches exactly one rule (with 100 rules or more; fewer leave some events
    unmatched).
    """
    if match == "one":
        per_source = max(1, n_rules // len(SOURCES))
        width = -(-1000 // per_source)
        return [(f"part-{s}-{k}", {"source": [s], "detail": {"amount": [{"numeric": [">=", k * width, "<", (k + 1) * width]}]}})
                for s in SOURCES for k in range(per_source)][:n_rules]
    if match != "mixed":
        raise ValueError(f"match must be mixed or one, not {match!r}")
    rules: list[tuple[str, dict[str, Any]]] = []
    for s in SOURCES:
        rules.append((f"src-{s}", {"source": [s]}))
    for s in SOURCES:
        for t in TYPES:
            rules.append((f"type-{s}-{t}", {"source": [s], "detail-type": [t]}))
    for r in REGIONS:
        for tier in TIERS:
            rules.append((f"geo-{r}-{tier}", {"detail": {"region": [r], "tier": [tier]}}))
    k = 0
    while len(rules) < n_rules:
        s = SOURCES[k % len(SOURCES)]
        if k % 2 == 0:
            low = (k * 37) % 980
            rules.append((f"amount-{k}", {"source": [s], "detail": {"amount": [{"numeric": [">=", low, "<", low + 20]}]}}))
        else:
            prefix = SKU_PREFIXES[k % len(SKU_PREFIXES)] + str(k % 7)
            rules.append((f"sku-{k}", {"source": [s], "detail": {"sku": [{"prefix": prefix}]}}))
        k += 1
    return rules[:n_rules]


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """The subset of pattern semantics ``rule_set`` uses: exact, numeric range, prefix."""
    for key, want in pattern.items():
        if isinstance(want, dict):
            if not isinstance(event.get(key), dict) or not _matches(want, event[key]):
                return False
            continue
        value = event.get(key)
        ok = False
        for w in want:
            if isinstance(w, dict) and "numeric" in w:
                _, low, _, high = w["numeric"]
                ok = isinstance(value, (int, float)) and low <= value < high
            elif isinstance(w, dict) and "prefix" in w:
                ok = isinstance(value, str) and value.startswith(w["prefix"])
            else:
                ok = value == w
            if ok:
                break
        if not ok:
            return False
    return True


class _Events:
    """Deterministic event contents for one producer."""

    def __init__(self, producer: int) -> None:
        self.producer = producer
        self.n = 0

    def next(self) -> dict[str, Any]:
        i, self.n = self.n, self.n + 1
        h = (i * 2654435761 + self.producer * 97) & 0xFFFFFFFF
        return {
            "source": SOURCES[h % 10],
            "detail-type": TYPES[(h >> 4) % 3],
            "detail": {
                "key": f"{self.producer}-{i}",
                "region": REGIONS[(h >> 8) % 5],
                "tier": TIERS[(h >> 12) % 3],
                "amount": (h >> 14) % 1000,
                "sku": f"{SKU_PREFIXES[(h >> 20) % 10]}{(h >> 24) % 7}-{i % 1000:03d}",
                "customer": {"id": f"c-{h % 50000}", "since": 2015 + h % 10},
                "items": [{"sku": f"s{(h >> j) % 300}", "qty": 1 + j % 3} for j in range(3)],
            },
        }


# -- client processes ---------------------------------------------------------------
def _producer(index: int, endpoint: str, params: dict[str, Any], per_proc_rate: float | None, start_at: float,
              duration: float, out: Any) -> None:
    """Send batches until ``duration`` after ``start_at`` (paced when ``per_proc_rate``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = load_client("events", endpoint, params["_client"])
    gen = _Events(index + params["_offset"])
    batch = params["batch"]
    accepted: list[tuple[str, str, float, tuple[int, ...]]] = []  # (event id, key, sent, queues matched)
    latencies: list[tuple[float, float]] = []  # (start, seconds) of each successful call
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    rules = params["_rules"]
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.time()
    sent_batches = 0
    while True:
        now = time.time()
        if now - t0 >= duration:
            break
        if per_proc_rate:
            due = t0 + sent_batches * batch / per_proc_rate
            if due > now:
                time.sleep(due - now)
        events = [gen.next() for _ in range(batch)]
        sent = time.time()
        entries = []
        for e in events:
            e["detail"]["sent"] = sent
            entries.append({"Source": e["source"], "DetailType": e["detail-type"], "EventBusName": BUS,
                            "Detail": orjson.dumps(e["detail"]).decode()})
        p0 = time.perf_counter()
        try:
            result = client.put_events(Entries=entries)
        except Exception as exc:  # noqa: BLE001 - every failure is a data point
            kind = error_kind(exc)
            errors[kind] += 1
            samples.setdefault(kind, str(exc)[:200])
            sent_batches += 1
            continue
        latencies.append((sent, time.perf_counter() - p0))
        sent_batches += 1
        for e, r in zip(events, result.get("Entries", [])):
            if "EventId" not in r:
                kind = f"entry:{r.get('ErrorCode')}"
                errors[kind] += 1
                samples.setdefault(kind, str(r.get("ErrorMessage"))[:200])
                continue
            matched = tuple(q for name, pattern, q in rules if _matches(pattern, e))
            accepted.append((r["EventId"], e["detail"]["key"], sent, matched))
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
                    detail = orjson.loads(m["Body"])["detail"]
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
class EventBridge(FanoutWorkload):
    noun = "event"
    accepted_verb = "accepted"
    producer = staticmethod(_producer)
    consumer = staticmethod(_consumer)
    name = "eventbridge"
    description = "PutEvents batches into a bus with 100 rules -> SQS queues; accepted/delivered/s, latency, lost"
    service = "events"
    defaults = {"rules": 100, "match": "mixed", "queues": 4, "batch": 10, "consumers": 2, "pollers": 3, "rate": 1000, "drain_idle": 10.0,
                "phases": "latency,throughput"}
    extra_columns = ("accepted ev/s", "delivered ev/s", "CPU us/ev", "e2e p50 ms", "e2e p99 ms", "lost", "dup")
    cpu_column = "CPU us/ev"

    def run(self, ctx: RunContext) -> Result:
        params = dict(self.params)
        procs = ctx.procs if ctx.procs > 1 else 4  # four producers unless --procs says otherwise
        events = make_client("events", ctx.endpoint)
        sqs = make_client("sqs", ctx.endpoint)
        events.create_event_bus(Name=BUS)
        queue_urls, queue_arns = [], []
        for q in range(params["queues"]):
            url = sqs.create_queue(QueueName=f"bench-eb-{q}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            queue_urls.append(url)
            queue_arns.append(arn)
        rules = []
        for i, (name, pattern) in enumerate(rule_set(params["rules"], params["match"])):
            events.put_rule(Name=name, EventBusName=BUS, EventPattern=json.dumps(pattern))
            q = i % params["queues"]
            events.put_targets(Rule=name, EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arns[q]}])
            rules.append((name, pattern, q))
        params["_rules"] = rules
        notes = [f"{len(rules)} rules on {params['queues']} queues, {procs} producer + "
                 f"{params['consumers']} consumer processes ({params['pollers']} pollers per queue)"]

        return self.run_phases(ctx, params, procs, queue_urls, notes)
