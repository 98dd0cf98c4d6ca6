"""``GET /_eventyard/health``: whether the server is up, its version and its store."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from eventyard import __version__
from eventyard.web.types import Endpoint


def health_endpoint(store_dialect: str) -> Endpoint:
    async def health(request: Request) -> Response:
        # the process: which worker of ``serve --workers N`` answered on this connection
        return JSONResponse({"status": "ok", "version": __version__, "store": store_dialect,
                             "process": os.getpid()})

    return health
