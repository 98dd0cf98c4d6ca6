"""Each bus's enabled rules compiled into one matcher, cached per node.

A bus row carries ``rules_version``, moved by every change to its rules or targets on
any node. ``PutEvents`` reads it inside its own transaction, so a matcher is used only
while it reflects what that transaction sees: a rule committed before the events is
always applied to them, on every node.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from eventyard.core.patterns.compiled import RuleMatcher
from eventyard.core.patterns.parse import parse_pattern
from eventyard.services.events.transforms import TargetInput, compile_input
from eventyard.store import Session
from eventyard.store.event_rules import RuleRecord, TargetRecord

_MAX_BUSES = 10_000  # cached buses per node; beyond, the cache starts over


@dataclass(frozen=True)
class BusRules:
    version: tuple[float, int]  # see EventRules.version
    matcher: RuleMatcher[str]  # rules by ARN
    rules: dict[str, RuleRecord]  # by ARN: the enabled rules with a pattern
    targets: dict[str, list[TargetRecord]]  # by rule ARN
    inputs: dict[tuple[str, str], TargetInput]  # by (rule ARN, target id): compiled once

    def matches(self, event: dict[str, Any]) -> list[RuleRecord]:
        return [self.rules[arn] for arn in sorted(self.matcher.match_event(event))]


class RuleCache:
    def __init__(self) -> None:
        self._buses: dict[tuple[str, str, str], BusRules] = {}
        self._lock = threading.Lock()  # PostgreSQL units of work run on several threads

    def get(self, s: Session, account: str, region: str, bus: str) -> BusRules | None:
        """Inside a unit of work: the bus's compiled rules, or ``None`` if it has no such bus."""
        version = s.event_rules.version(account, region, bus)
        if version is None:
            return None
        key = (account, region, bus)
        hit = self._buses.get(key)
        if hit is not None and hit.version == version:
            return hit
        compiled = self._compile(s, account, region, bus, version)
        with self._lock:
            if len(self._buses) >= _MAX_BUSES:
                self._buses.clear()
            current = self._buses.get(key)
            if current is None or current.version <= version:
                self._buses[key] = compiled
        return compiled

    @staticmethod
    def _compile(s: Session, account: str, region: str, bus: str, version: tuple[float, int]) -> BusRules:
        matcher: RuleMatcher[str] = RuleMatcher()
        rules: dict[str, RuleRecord] = {}
        for rule in s.event_rules.all_of_bus(account, region, bus):
            if rule.enabled and rule.event_pattern is not None:
                matcher.add(rule.arn, parse_pattern(rule.event_pattern))
                rules[rule.arn] = rule
        targets: dict[str, list[TargetRecord]] = {}
        for target in s.event_rules.targets_of_bus(account, region, bus):
            targets.setdefault(target.rule_arn, []).append(target)
        inputs = {}
        for found in targets.values():
            found.sort(key=lambda t: t.position)
            for t in found:
                inputs[(t.rule_arn, t.target_id)] = compile_input(t.spec)
        return BusRules(version, matcher, rules, targets, inputs)
