"""One module per console section; each gives its ``routes(console)``."""

from eventyard.console.pages import archives, buses, functions, home, queues, search, session, states, tail, topics

__all__ = ["archives", "buses", "functions", "home", "queues", "search", "session", "states", "tail", "topics"]
