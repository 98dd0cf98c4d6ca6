"""The web console: server-rendered pages (Starlette + Jinja2) enhanced by htmx and
server-sent events, with no front-end build. ``build_console`` makes the app the
server mounts at ``/console``; ``Yard`` is what it reads and changes, as the viewer."""

from eventyard.console.app import build_console
from eventyard.console.yard import Refused, Viewer, Yard

__all__ = ["Refused", "Viewer", "Yard", "build_console"]
