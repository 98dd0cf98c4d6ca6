"""The console's Starlette app, mounted by the server at ``/console``."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from eventyard.console import pages
from eventyard.console._pages import Console
from eventyard.console.yard import Yard

STATIC = Path(__file__).parent / "static"


def build_console(yard: Yard) -> Starlette:
    console = Console(yard)
    routes: list[BaseRoute] = [Mount("/static", app=StaticFiles(directory=STATIC), name="static")]
    for module in (pages.home, pages.session, pages.queues, pages.buses, pages.topics, pages.states,
                   pages.search, pages.tail, pages.archives, pages.functions):
        routes.extend(module.routes(console))
    app = Starlette(routes=routes)
    app.state.console = console
    return app
