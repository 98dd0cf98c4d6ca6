"""One module per console section; each gives its ``routes(console)``."""

from eventyard.console.pages import buses, home, queues, search, session, states, tail, topics

__all__ = ["buses", "home", "queues", "search", "session", "states", "tail", "topics"]
