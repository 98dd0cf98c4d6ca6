"""patterns: event-pattern matching throughput, CPU only, one core, no servers.

    .venv/bin/python -m benchmarks.patterns
    .venv/bin/python -m benchmarks.patterns --rules 10,1000,100000 --duration 3 --systems eventyard,moto

For each rule count, one rule set and one stream of ~1 KB events are generated (seeded,
so every system sees the same ones). Rules are derived from "seed" events so that each
event matches a handful of them: every rule has one selective condition (a tenant, an
order id prefix, an e-mail, a bucket ARN wildcard, an address block...) plus common ones
(source, detail-type, status, numeric ranges, anything-but, exists...), ~15% use ``$or``,
and ~2% are broad (source + detail-type only). All operators appear.

* **eventyard**: ``RuleMatcher.match_json(event_text)`` in this process, in a loop for
  ``--duration`` seconds: the text read in place, only the values on paths some rule
  names built (what PutEvents does). A note gives the same stream through
  ``orjson.loads`` + ``RuleMatcher.match_event`` (the parsed-event path), and both as
  events per CPU second (``time.process_time``), steadier than wall time on a busy machine. Rules are JSON text; they are compiled
  with ``eventyard.core.patterns.parse.parse_pattern`` when that module exists, else with
  the small converter below (same JSON, same AST). A sample of events is checked against
  the reference evaluator (``reference.matches`` over every rule).
* **moto** / **ministack**: run in a subprocess with the peers venv's Python. moto has
  no index: ``EventPattern.load(text)`` per rule once, then per event ``json.loads`` and
  ``matches_event`` for every rule, as moto's PutEvents does. ministack: per event
  ``json.loads`` of its stored entry shape (``Detail`` as a JSON string), one
  ``_pattern_event_view`` and ``_matches_pattern_view`` per rule (its own dispatch
  path; it caches 1,024 compiled patterns, so larger rule sets recompile). These are slow at large rule
  counts, so they run on the first events of the same stream for ``--peer-budget``
  seconds (at least one event) and events/s is extrapolated from that sample.

Memory: ``tracemalloc`` around building the matcher from already-parsed ASTs (the index
alone), and separately around parsing the rule texts into ASTs.

Instructions per event, independent of the machine's load (``--count-driver``, see
``count_driver``)::

    valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
        --toggle-collect=consume_iterator \
        .venv/bin/python -m benchmarks.patterns --count-driver --instrument --rules 1000
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..harness import Result, format_config, format_table, log, package_versions, peer_bin

SYSTEMS = ("eventyard", "moto", "ministack")
EXTRA_COLUMNS = ("rules", "p50 µs", "p99 µs", "matches/event", "same as ref", "build s", "index B/rule")

# --------------------------------------------------------------------------- #
# The corpus: seed events, rules derived from them, the event stream
# --------------------------------------------------------------------------- #

SOURCES = ["aws.ec2", "aws.s3", "aws.codebuild", "aws.health", "com.acme.orders",
           "com.acme.payments", "com.acme.shipping", "com.acme.identity", "com.acme.catalog",
           "com.acme.billing", "com.acme.search", "com.acme.notifications", "partner.stripe",
           "partner.segment", "partner.zendesk", "com.acme.inventory", "com.acme.returns",
           "com.acme.analytics", "com.acme.fraud", "com.acme.support"]
DETAIL_TYPES = [f"{noun} {verb}" for noun in ("Order", "Payment", "Shipment", "User", "Invoice",
                                               "Refund")
                for verb in ("Created", "Updated", "Deleted", "Failed", "Completed")]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1",
           "ap-northeast-1", "sa-east-1"]
STATUSES = ["PENDING", "Running", "stopped", "FAILED", "succeeded", "Cancelled", "queued",
            "RETRYING", "timed-out", "archived"]
TIERS = ["free", "bronze", "silver", "gold", "platinum"]
COUNTRIES = ["US", "DE", "FR", "GB", "IN", "JP", "BR", "CA", "AU", "NL"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "INR", "BRL"]
DOMAINS = ["example.com", "mail.example.org", "corp.acme.io", "gmail.com", "outlook.com"]
TAGS = ["urgent", "beta", "internal", "retry", "vip", "eu", "us", "gift", "bulk", "promo"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua").split()
EVENT_BYTES = 1000


def _event(rng: random.Random, tenants: int) -> dict[str, Any]:
    tenant = rng.randrange(tenants)
    region = rng.choice(REGIONS)
    account = f"{rng.randrange(40):012d}"
    private = rng.random() < 0.5
    ip = (f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" if private else
          f"{rng.randrange(11, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    event: dict[str, Any] = {
        "version": "0",
        "id": "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48)),
        "detail-type": rng.choice(DETAIL_TYPES),
        "source": rng.choice(SOURCES),
        "account": account,
        "time": f"2024-05-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
        "region": region,
        "resources": [f"arn:aws:s3:::bucket-t{tenant:06d}",
                      f"arn:aws:ec2:{region}:{account}:instance/i-{rng.getrandbits(40):010x}"],
        "detail": {
            "tenant": f"t{tenant:06d}",
            "status": rng.choice(STATUSES),
            "priority": rng.randrange(1, 6),
            "amount": round(rng.uniform(0, 10_000), 2),
            "latency-ms": rng.randrange(0, 5000),
            "customer": {
                "email": f"user{rng.randrange(10**6)}@{rng.choice(DOMAINS)}",
                "tier": rng.choice(TIERS),
                "country": rng.choice(COUNTRIES),
            },
            "order": {
                "id": f"ord-{rng.randrange(10**8):08d}",
                "currency": rng.choice(CURRENCIES),
                "items": [{"sku": f"SKU-{rng.randrange(10**5):05d}", "qty": rng.randrange(1, 10)}
                          for _ in range(rng.randrange(1, 4))],
            },
            "client-ip": ip,
            "tags": rng.sample(TAGS, rng.randrange(0, 4)),
            "flags": {"test": rng.random() < 0.1, "replay": rng.random() < 0.05},
            "error": None if rng.random() < 0.8 else {"code": f"E{rng.randrange(100, 999)}",
                                                      "message": "upstream timeout"},
            "trace": {"parent": f"{rng.getrandbits(64):016x}", "span": f"{rng.getrandbits(32):08x}"},
        },
    }
    if rng.random() < 0.3:
        event["detail"]["coupon"] = f"SAVE{rng.randrange(5, 50)}"
    size = len(json.dumps(event))
    words: list[str] = []
    while size + sum(len(w) + 1 for w in words) < EVENT_BYTES - 20:
        words.append(rng.choice(WORDS))
    event["detail"]["description"] = " ".join(words)
    return event


def _key_condition(rng: random.Random, e: dict[str, Any]) -> dict[str, Any]:
    """A selective condition that ``e`` satisfies: what makes a rule rule-specific.
    Mostly exact values, as in real rule sets; every other operator appears too."""
    d = e["detail"]
    pick = rng.random()
    if pick < 0.40:
        return {"detail": {"tenant": [d["tenant"]]}}
    if pick < 0.50:
        return {"detail": {"tenant": [d["tenant"], f"t{rng.randrange(10**6):06d}"]}}
    if pick < 0.60:
        return {"detail": {"order": {"items": {"sku": [d["order"]["items"][0]["sku"]]}}}}
    if pick < 0.68:
        return {"detail": {"order": {"id": [{"prefix": d["order"]["id"][:10]}]}}}
    if pick < 0.74:
        return {"detail": {"customer": {"email": [{"equals-ignore-case": d["customer"]["email"].upper()}]}}}
    if pick < 0.80:
        return {"resources": [{"wildcard": f"arn:aws:s3:::bucket-{d['tenant']}*"}]}
    if pick < 0.84:
        return {"detail": {"tenant": [{"prefix": {"equals-ignore-case": d["tenant"].upper()}}]}}
    if pick < 0.90:
        net = ipaddress.ip_network(f"{d['client-ip']}/24", strict=False)
        return {"detail": {"client-ip": [{"cidr": str(net)}]}}
    if pick < 0.94:
        email = d["customer"]["email"]
        return {"detail": {"customer": {"email": [{"suffix": email[email.index("@") - 4:]}]}}}
    return {"detail": {"trace": {"span": [{"prefix": d["trace"]["span"][:5]}]}}}


def _common_condition(rng: random.Random, e: dict[str, Any]) -> dict[str, Any]:
    """A common, unselective condition that ``e`` satisfies (every operator appears)."""
    d = e["detail"]
    options: list[Callable[[], dict[str, Any]]] = [
        lambda: {"detail": {"status": [d["status"], rng.choice(STATUSES)]}},
        lambda: {"detail": {"status": [{"anything-but": [s for s in rng.sample(STATUSES, 3) if s != d["status"]] or ["none"]}]}},
        lambda: {"detail": {"status": [{"prefix": {"equals-ignore-case": d["status"][:2].lower()}}]}},
        lambda: {"detail": {"priority": [{"numeric": [">=", rng.randrange(1, d["priority"] + 1)]}]}},
        lambda: {"detail": {"amount": [{"numeric": [">", round(d["amount"] - rng.uniform(1, 2000), 1),
                                                    "<=", round(d["amount"] + rng.uniform(1, 2000), 1)]}]}},
        lambda: {"detail": {"latency-ms": [{"numeric": ["<", d["latency-ms"] + rng.randrange(1, 3000)]}]}},
        lambda: {"detail": {"priority": [{"numeric": ["=", d["priority"]]}]}},
        lambda: {"detail": {"customer": {"tier": [d["customer"]["tier"], rng.choice(TIERS)]}}},
        lambda: {"detail": {"customer": {"country": [{"anything-but": d["customer"]["country"] + "X"}]}}},
        lambda: {"detail": {"customer": {"email": [{"suffix": "@" + d["customer"]["email"].split("@")[1]}]}}},
        lambda: {"detail": {"flags": {"test": [d["flags"]["test"]]}}},
        lambda: {"detail": {"error": [None] if d["error"] is None else [{"exists": True}]}},
        lambda: {"detail": {"error": {"code": [{"exists": d["error"] is not None}]}}},
        lambda: {"detail": {"coupon": [{"exists": "coupon" in d}]}},
        lambda: {"detail": {"tags": [{"anything-but": {"prefix": "zz"}}]} if d["tags"] else
                 {"tags": [{"exists": False}]}},
        lambda: {"region": [e["region"], rng.choice(REGIONS)]},
        lambda: {"account": [{"anything-but": [f"{rng.randrange(40, 80):012d}"]}]},
        lambda: {"detail": {"order": {"currency": [{"anything-but": {"equals-ignore-case": ["xxx", "yyy"]}}]}}},
        lambda: {"detail": {"order": {"items": {"qty": [{"numeric": [">", 0, "<", 100]}]}}}},
        lambda: {"detail": {"client-ip": [{"cidr": "10.0.0.0/8"}] if d["client-ip"].startswith("10.")
                            else [{"anything-but": {"wildcard": "10.*"}}]}},
        lambda: {"detail": {"description": [{"wildcard": f"*{d['description'].split()[1]}*"}]}},
        lambda: {"detail": {"order": {"id": [{"anything-but": {"suffix": "-none"}}]}}},
        lambda: {"time": [{"prefix": e["time"][:7]}]},
    ]
    return rng.choice(options)()


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif key not in into:  # the rule's selective condition stays
            into[key] = value


def _rule(rng: random.Random, e: dict[str, Any]) -> dict[str, Any]:
    """A pattern that ``e`` matches."""
    rule: dict[str, Any] = {}
    if rng.random() < 0.85:
        rule["source"] = [e["source"]]
    if rng.random() < 0.5:
        pick = rng.random()
        rule["detail-type"] = ([e["detail-type"]] if pick < 0.9 else
                               [{"equals-ignore-case": e["detail-type"].lower()}] if pick < 0.95 else
                               [{"prefix": e["detail-type"].split()[0]}])
    if rng.random() < 0.02:  # broad: no selective condition at all
        rule.setdefault("source", [e["source"]])
        rule["detail-type"] = [e["detail-type"]]
        return rule
    _merge(rule, _key_condition(rng, e))
    for _ in range(rng.randrange(0, 3)):
        _merge(rule, _common_condition(rng, e))
    if rng.random() < 0.15:  # $or: the event matches at least one alternative
        # Alternatives test other fields than the rest of the rule: where they overlap,
        # event-ruler lets the alternative override the outer condition and moto ANDs them.
        used = _leaf_paths(rule)
        alternatives = []
        for _ in range(20):
            alternative = _common_condition(rng, e)
            if not _leaf_paths(alternative) & used:
                alternatives.append(alternative)
            if len(alternatives) == 2:
                break
        if len(alternatives) == 2:
            if rng.random() < 0.5 and ("detail", "status") not in used:
                alternatives.append({"detail": {"status": ["no-such-status"]}})
            rule["$or"] = alternatives
    return rule


def _leaf_paths(pattern: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths = set()
    for key, value in pattern.items():
        if key == "$or":
            for alternative in value:
                paths |= _leaf_paths(alternative, prefix)
        elif isinstance(value, dict):
            paths |= _leaf_paths(value, prefix + (key,))
        else:
            paths.add(prefix + (key,))
    return paths


class Corpus:
    """Rules (JSON text) and events (JSON bytes) for one rule count."""

    def __init__(self, rules: int, seed: int, stream: int = 2000) -> None:
        rng = random.Random(f"{seed}-{rules}")
        seeds_count = max(1, rules // 3)
        tenants = max(10, seeds_count * 2)
        self.seeds = [_event(rng, tenants) for _ in range(seeds_count)]
        self.rules = [json.dumps(_rule(rng, rng.choice(self.seeds)), separators=(",", ":"))
                      for _ in range(rules)]
        # 80% of the stream are seed events (each matched by ~3 rules), 20% fresh ones
        stream_events = [rng.choice(self.seeds) if rng.random() < 0.8 else _event(rng, tenants)
                         for _ in range(stream)]
        self.events = [json.dumps(ev, separators=(",", ":")).encode() for ev in stream_events]


# --------------------------------------------------------------------------- #
# Rule text -> AST, for as long as eventyard has no parser of its own
# --------------------------------------------------------------------------- #


def _parser() -> Callable[[str], Any] | None:
    try:
        from eventyard.core.patterns.parse import parse_pattern
    except ImportError:
        return None
    return parse_pattern


def build_ast(text: str) -> Any:
    """The DNF AST of the JSON patterns this module generates (no validation)."""
    from eventyard.core.patterns.ast import Branch, FieldCondition, Pattern

    def expand(obj: dict[str, Any], prefix: tuple[str, ...]) -> list[list[Any]]:
        branches: list[list[Any]] = [[]]
        for key, value in obj.items():
            if key == "$or":
                options = [b for alt in value for b in expand(alt, prefix)]
            elif isinstance(value, dict):
                options = expand(value, prefix + tuple(key.split(".")))
            else:
                path = prefix + tuple(key.split("."))
                options = [[FieldCondition(path, tuple(_matcher(v) for v in value))]]
            branches = [b + o for b in branches for o in options]
        return branches

    return Pattern(tuple(Branch(tuple(b)) for b in expand(json.loads(text), ())))


def _matcher(value: Any) -> Any:
    from eventyard.core.patterns import ast

    if not isinstance(value, dict):
        return ast.Exact(_leaf(value))
    (op, arg), = value.items()
    if op in ("prefix", "suffix"):
        cls = ast.Prefix if op == "prefix" else ast.Suffix
        if isinstance(arg, dict):
            return cls(arg["equals-ignore-case"], True)
        return cls(arg)
    if op == "equals-ignore-case":
        return ast.EqualsIgnoreCase(arg)
    if op == "wildcard":
        return ast.Wildcard(arg)
    if op == "cidr":
        return ast.Cidr(ipaddress.ip_network(arg))
    if op == "exists":
        return ast.Exists(arg)
    if op == "numeric":
        lower = upper = None
        lower_inclusive = upper_inclusive = False
        for sign, number in zip(arg[::2], arg[1::2], strict=True):
            if sign == "=":
                return ast.Numeric(float(number), True, float(number), True)
            if sign.startswith(">"):
                lower, lower_inclusive = float(number), sign == ">="
            else:
                upper, upper_inclusive = float(number), sign == "<="
        return ast.Numeric(lower, lower_inclusive, upper, upper_inclusive)
    if op == "anything-but":
        if isinstance(arg, dict):
            (inner, values), = arg.items()
            values = tuple(values) if isinstance(values, list) else (values,)
            return {"prefix": ast.AnythingButPrefix, "suffix": ast.AnythingButSuffix,
                    "equals-ignore-case": ast.AnythingButIgnoreCase,
                    "wildcard": ast.AnythingButWildcard}[inner](values)
        values = arg if isinstance(arg, list) else [arg]
        return ast.AnythingBut(frozenset(v for v in values if isinstance(v, str)),
                               frozenset(float(v) for v in values if not isinstance(v, str)))
    raise ValueError(f"not generated here: {value!r}")


def _leaf(value: Any) -> Any:
    from eventyard.core.patterns.event import leaf

    found = leaf(value)
    assert found is not None
    return found


# --------------------------------------------------------------------------- #
# Runners
# --------------------------------------------------------------------------- #


def _percentile(sorted_values: Sequence[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))]


def run_eventyard(corpus: Corpus, duration: float, verify: int) -> tuple[Result, list[set[Any]]]:
    import orjson

    from eventyard.core.patterns import reference
    from eventyard.core.patterns.compiled import RuleMatcher
    from eventyard.core.patterns.event import flatten

    n = len(corpus.rules)
    notes: list[str] = []
    parse = _parser()
    compile_rule = parse or build_ast
    failed = 0
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    asts = []
    for text in corpus.rules:
        try:
            asts.append(compile_rule(text))
        except Exception as exc:  # noqa: BLE001 - a parser disagreement is a note, not a crash
            failed += 1
            if failed == 1:
                notes.append(f"parse_pattern refused a generated rule: {type(exc).__name__}: {exc} "
                             f"({text[:120]})")
            asts.append(build_ast(text))
    ast_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    from eventyard.core.patterns.compiled import NATIVE
    notes.append("matching in " + ("the C extension (_native)" if NATIVE else
                                   "pure Python (no C extension, or EVENTYARD_PURE_PYTHON=1)"))
    notes.append(f"rules compiled with {'parse.parse_pattern' if parse else 'the benchmark converter (no parse.py yet)'}"
                 + (f", {failed} refused and converted instead" if failed else ""))

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    matcher = RuleMatcher()
    for rid, pattern in enumerate(asts):
        matcher.add(rid, pattern)
    index_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del matcher
    gc.collect()

    started = time.perf_counter()
    matcher = RuleMatcher()
    for rid, pattern in enumerate(asts):
        matcher.add(rid, pattern)
    build_s = time.perf_counter() - started

    loads, match_event = orjson.loads, matcher.match_event
    match = matcher.match_json  # the event's JSON text in, the ids of the rules out
    texts = corpus.events
    results = [match(t) for t in texts]  # warm-up, and the answers to compare
    if results != [match_event(loads(t)) for t in texts]:
        notes.append("match_json(text) disagrees with match_event(orjson.loads(text))")

    def timed(step: Callable[[bytes], Any], seconds: float) -> tuple[int, float, float]:
        """Whole passes over the stream for ``seconds``: events, wall and CPU seconds."""
        gc.collect()
        count = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        deadline = started + seconds
        while True:
            for t in texts:
                step(t)
            count += len(texts)
            if time.perf_counter() >= deadline:
                break
        return count, time.perf_counter() - started, time.process_time() - cpu_started

    # throughput: match_json(text), the path PutEvents takes
    count, elapsed, cpu = timed(match, duration)
    # the same stream as orjson.loads + match_event (the parsed-event path), for comparison
    old_count, old_elapsed, old_cpu = timed(lambda t: match_event(loads(t)), min(duration, 2.0))
    notes.append(f"ops/s is RuleMatcher.match_json(text): {count:,} events in {elapsed:.2f}s, "
                 f"{count / cpu:,.0f} events per CPU second (process_time)")
    notes.append(f"orjson.loads(text) + match_event(event) on the same stream: "
                 f"{old_count / old_elapsed:,.0f} events/s, {old_count / old_cpu:,.0f} per CPU second")
    # latency: one pass timing each event
    clock = time.perf_counter
    latencies = []
    for t in texts:
        t0 = clock()
        match(t)
        latencies.append((clock() - t0) * 1e6)
    latencies.sort()

    # correctness on a sample: the reference evaluator over every rule
    mismatches = 0
    checked = min(len(texts), verify if n <= 1000 else max(10, verify * 1000 // n))
    for t, got in zip(texts[:checked], results, strict=False):
        flat = flatten(loads(t))
        want = {rid for rid, p in enumerate(asts) if reference.matches(p, flat)}
        mismatches += want != got
    notes.append(f"{checked} events checked against "
                 f"reference.matches over all {n:,} rules: {mismatches} differ")
    notes.append(f"memory: index {index_bytes / n:,.0f} B/rule (tracemalloc, ASTs excluded), "
                 f"ASTs {ast_bytes / n:,.0f} B/rule")
    result = Result("eventyard", ops_per_s=count / elapsed, errors=0, details=notes, extra={
        "rules": n, "p50 µs": _percentile(latencies, 50), "p99 µs": _percentile(latencies, 99),
        "matches/event": sum(map(len, results)) / len(results),
        "same as ref": f"{checked - mismatches}/{checked}", "build s": build_s,
        "index B/rule": round(index_bytes / n),
    })
    return result, results


_PEER_SCRIPT = r"""
import json, sys, time, tracemalloc
system, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    job = json.load(f)
rules, events, budget = job["rules"], job["events"], job["budget"]
errors = [0]
if system == "moto":
    from moto.events.models import EventPattern
    tracemalloc.start()
    t0 = time.perf_counter()
    patterns = [EventPattern.load(text) for text in rules]
    build = time.perf_counter() - t0
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    def match(text):
        event = json.loads(text)
        out = []
        for i, p in enumerate(patterns):
            try:
                if p.matches_event(event):
                    out.append(i)
            except Exception:
                errors[0] += 1
        return out
else:
    from ministack.services import eventbridge as eb
    # ministack matches its stored PutEvents entry (Source, DetailType, Detail as a JSON
    # string...): the stream is rewritten into that shape, untimed, and parsed timed.
    def entry(text):
        e = json.loads(text)
        return json.dumps({"Version": e["version"], "EventId": e["id"], "Source": e["source"],
                           "DetailType": e["detail-type"], "Account": e["account"],
                           "Time": e["time"], "Region": e["region"], "Resources": e["resources"],
                           "Detail": json.dumps(e["detail"])})
    events = [entry(text) for text in events]
    build, memory = 0.0, None  # it keeps the rule text; patterns compile on first use
    def match(text):
        view = eb._pattern_event_view(json.loads(text))
        out = []
        for i, p in enumerate(rules):
            try:
                if eb._matches_pattern_view(p, view):
                    out.append(i)
            except Exception:
                errors[0] += 1
        return out
answers, latencies = [], []
started = time.perf_counter()
for text in events:
    t0 = time.perf_counter()
    answers.append(match(text))
    latencies.append(time.perf_counter() - t0)
    if time.perf_counter() - started >= budget:
        break
print(json.dumps({"answers": answers, "latencies": latencies, "errors": errors[0],
                  "build": build, "memory": memory}))
"""


def run_peer(system: str, corpus: Corpus, budget: float, reference_answers: list[set[Any]]) -> Result:
    python = peer_bin("python")
    n = len(corpus.rules)
    if not python.exists():
        return Result(system, note="peers venv missing: run `python -m benchmarks.run eventbus-read` once")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"rules": corpus.rules, "events": [e.decode() for e in corpus.events],
                   "budget": budget}, f)
        job = f.name
    try:
        proc = subprocess.run([str(python), "-c", _PEER_SCRIPT, system, job], capture_output=True,
                              text=True, timeout=budget * 20 + 600, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return Result(system, note="timed out")
    finally:
        os.unlink(job)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        return Result(system, note=f"failed (exit {proc.returncode})", details=tail)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    answers = [set(a) for a in out["answers"]]
    latencies = sorted(x * 1e6 for x in out["latencies"])
    seconds = sum(out["latencies"])
    same = sum(a == b for a, b in zip(answers, reference_answers, strict=False))
    differ = [(i, a, b) for i, (a, b) in enumerate(zip(answers, reference_answers, strict=False)) if a != b]
    details = [f"{len(answers):,} of the {len(corpus.events):,} events measured in {seconds:.2f}s "
               f"(budget {budget:g}s); events/s extrapolated from that sample"]
    if differ:
        i, a, b = differ[0]
        extra_ids, missing_ids = sorted(a - b)[:3], sorted(b - a)[:3]
        details.append(f"{len(differ)} events matched other rules than eventyard's; e.g. event {i}: "
                       f"extra {extra_ids}, missing {missing_ids}"
                       + (f"; rule {(extra_ids or missing_ids)[0]}: "
                          f"{corpus.rules[(extra_ids or missing_ids)[0]][:160]}" if extra_ids or missing_ids else ""))
    return Result(system, ops_per_s=len(answers) / seconds if seconds else None, errors=out["errors"],
                  details=details, extra={
                      "rules": n, "p50 µs": _percentile(latencies, 50), "p99 µs": _percentile(latencies, 99),
                      "matches/event": sum(map(len, answers)) / max(1, len(answers)),
                      "same as ref": f"{same}/{len(answers)}",
                      "build s": out["build"] if out["memory"] is not None else None,
                      "index B/rule": None if out["memory"] is None else round(out["memory"] / n),
                  })


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def count_driver(counts: list[int], seed: int, passes: int, instrument: bool = False,
                 parsed: bool = False) -> int:
    """Match the event stream ``passes`` times per rule count inside one C call
    (``deque(map(...), maxlen=0)``, i.e. CPython's ``consume_iterator``), after a warm-up
    pass, so that callgrind can count exactly that loop, whatever the machine's load:

        valgrind --tool=callgrind --collect-atstart=no --toggle-collect=consume_iterator \
            .venv/bin/python -m benchmarks.patterns --count-driver --rules 1000

    Instructions per event = the ``Collected`` total / the events this prints (one rule
    count per run, else the counts add up). Building 100,000 rules under callgrind is
    slow; with ``--instr-atstart=no`` added and ``--instrument`` given here, valgrind runs
    the build uninstrumented and the driver switches instrumentation on (through
    ``callgrind_control``) just before the loop. The loop is ``match_json(text)``, or
    ``match_event(orjson.loads(text))`` with ``--parsed``."""
    from collections import deque

    import orjson

    from eventyard.core.patterns.compiled import NATIVE, RuleMatcher

    parse = _parser() or build_ast
    for n in counts:
        corpus = Corpus(n, seed)
        matcher = RuleMatcher()
        for rid, text in enumerate(corpus.rules):
            matcher.add(rid, parse(text))
        match, loads, texts = matcher.match_event, orjson.loads, corpus.events
        matched = sum(len(match(loads(t))) for t in texts)  # warm-up
        by_text = matcher.match_json
        by_text(texts[0])  # warm-up: builds the text reader's tree
        gc.collect()
        if instrument:  # under valgrind --instr-atstart=no: instrument from here on
            subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,
                           capture_output=True)
        if parsed:  # orjson.loads + match_event
            deque(map(match, map(loads, texts * passes)), maxlen=0)  # the counted loop
        else:  # match_json(text), as the table times it
            deque(map(by_text, texts * passes), maxlen=0)  # the counted loop
        print(f"rules={n} events={len(texts) * passes} matches/event={matched / len(texts):.2f} "
              f"native={NATIVE}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.patterns",
                                     description="Event-pattern matching: eventyard vs moto vs ministack, one core.")
    parser.add_argument("--rules", default="10,1000,100000", help="rule counts (default %(default)s)")
    parser.add_argument("--systems", default="eventyard,moto", help=f"subset of {','.join(SYSTEMS)} "
                        "(default %(default)s)")
    parser.add_argument("--duration", type=float, default=3.0, help="eventyard seconds per rule count")
    parser.add_argument("--peer-budget", type=float, default=5.0,
                        help="seconds of matching per peer and rule count (at least one event)")
    parser.add_argument("--verify", type=int, default=200,
                        help="events checked against the reference evaluator (fewer at large rule counts)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count-driver", action="store_true",
                        help="no table: run the stream --passes times through eventyard in one "
                        "C-level loop for callgrind (see count_driver)")
    parser.add_argument("--passes", type=int, default=1, help="with --count-driver")
    parser.add_argument("--instrument", action="store_true",
                        help="with --count-driver under valgrind --instr-atstart=no: switch "
                        "instrumentation on just before the counted loop")
    parser.add_argument("--parsed", action="store_true",
                        help="with --count-driver: count orjson.loads + match_event instead")
    args = parser.parse_args(argv)
    counts = [int(x.replace("_", "")) for x in args.rules.split(",") if x.strip()]
    if args.count_driver:
        return count_driver(counts, args.seed, args.passes, args.instrument, args.parsed)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or "eventyard" not in systems:
        parser.error(f"--systems: eventyard plus any of {', '.join(SYSTEMS[1:])}")

    results: list[Result] = []
    for n in counts:
        log(f"[patterns] generating {n:,} rules and the event stream ...")
        corpus = Corpus(n, args.seed)
        log(f"[eventyard] {n:,} rules ...")
        mine, answers = run_eventyard(corpus, args.duration, args.verify)
        results.append(mine)
        for system in systems[1:]:
            log(f"[{system}] {n:,} rules ...")
            results.append(run_peer(system, corpus, args.peer_budget, answers))
        sizes = sorted(len(e) for e in corpus.events)
        mine.details.insert(0, f"{n:,} rules: {sum('$or' in r for r in corpus.rules) / n:.0%} with $or; "
                               f"events {sizes[0]}-{sizes[-1]} bytes (median {sizes[len(sizes) // 2]})")

    versions = package_versions(Path(sys.prefix) / "bin" / "python", ["eventyard", "orjson"])
    peers = package_versions(peer_bin("python"), [s for s in systems[1:]]) if len(systems) > 1 else {}
    config = {"rules": ",".join(f"{n:,}" for n in counts), "duration": f"{args.duration:g}s",
              "peer-budget": f"{args.peer_budget:g}s", "seed": args.seed}
    header = (f"workload patterns: {format_config(config)} | one core, {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.2f}, Python {platform.python_version()} | "
              + ", ".join(f"{k} {v}" for k, v in {**versions, **peers}.items())
              + " | ops/s = events parsed + matched against all rules per second")
    print(format_table(header, results, EXTRA_COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
