"""Scheduled rules: each tick of a rule's ``rate(...)`` or ``cron(...)`` sends one
"Scheduled Event" to the rule's targets.

Every node runs ``fire_due`` each second. A due rule's firing and the move of its
``next_fire_at`` to the following tick commit in one transaction (rows locked with SKIP
LOCKED on PostgreSQL, one writer on SQLite), so a tick fires exactly once across nodes.
After downtime a rule fires once for the tick it missed, then resumes from now: missed
ticks are not replayed one by one.
"""

from __future__ import annotations

from eventyard.core import clock
from eventyard.core.schedules import scheduled_event
from eventyard.services.events._base import DEFAULT_BUS
from eventyard.services.events.put_events import EventRouter, Ingest
from eventyard.services.events.schedules import as_datetime, next_fire_ms
from eventyard.store import Session, Store

_BATCH = 100


class SchedulingOperations:
    """Scheduled rules' ticks (``fire_due``), routed by ``router``."""

    def __init__(self, store: Store, router: EventRouter) -> None:
        self.store = store
        self.router = router

    async def fire_due(self) -> int:
        """Fire every due tick of every scheduled rule; how many fired."""
        now = clock.now_ms()

        def unit(s: Session) -> tuple[Ingest, int]:
            done, fired = Ingest(ingested_at=now), 0
            for rule, tick in s.event_rules.due_schedules(now, _BATCH):
                s.event_rules.set_next_fire(rule.arn, next_fire_ms(rule, max(tick, now)))
                if not rule.enabled:
                    continue
                rules = self.router.rule_cache.get(s, rule.account_id, rule.region, DEFAULT_BUS)
                if rules is None:
                    continue
                event = scheduled_event(rule_arn=rule.arn, account=rule.account_id, region=rule.region,
                                        tick=as_datetime(tick))
                done.triggered.append(rule.arn)
                for target in rules.targets.get(rule.arn, ()):
                    self.router.route(s, done, rule, target, rules.inputs[(rule.arn, target.target_id)], event, now)
                fired += 1
            self.router.write_queues(s, done, now)
            return done, fired

        done, fired = await self.store.write(unit)
        self.router.after_ingest(done)
        return fired
