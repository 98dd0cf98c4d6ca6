"""EventBridge: event buses, rules, targets, archives, replays and permissions."""

from eventyard.services.events.service import EventsService

__all__ = ["EventsService"]
