"""EventBridge: event buses (more to come: rules, targets, archives, replays)."""

from eventyard.services.events.service import EventsService

__all__ = ["EventsService"]
