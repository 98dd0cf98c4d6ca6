"""``GET /_eventyard/health``: whether the server is up, its version and its store."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from eventyard import __version__
from eventyard.web.types import Endpoint


def health_endpoint(store_dialect: str) -> Endpoint:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "store": store_dialect})

    return health
