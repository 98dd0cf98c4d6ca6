"""``GET /``: a page for a browser pointed at the endpoint, saying what it is."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from eventyard import __version__
from eventyard.web.types import Endpoint

_HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eventyard {version}</title></head>
<body style="font-family: sans-serif; max-width: 42em; margin: 2em auto">
<h1>eventyard {version}</h1>
<p>This is an AWS-compatible endpoint for EventBridge (<code>events</code>), SQS (<code>sqs</code>) and
SNS (<code>sns</code>), stored on {store}. Point an AWS SDK or the AWS CLI at it:
<code>endpoint_url="{base}"</code>.</p>
<ul>
{console}<li><a href="/_eventyard/health">/_eventyard/health</a>: whether the server is up, its version and store</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>
</body></html>
"""


def is_home(scope: dict[str, Any]) -> bool:
    """A plain ``GET /`` (a browser): no AWS request looks like that, as every one names
    its operation in the query, a header or the body, and is signed."""
    if scope["path"] != "/" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    return not any(name in (b"authorization", b"x-amz-target") for name, _ in scope["headers"])


_CONSOLE = '<li><a href="/console/">/console</a>: the web console (queues, event buses, topics, executions)</li>\n'


def home_endpoint(store_dialect: str, *, console: bool = False) -> Endpoint:
    async def home(request: Request) -> Response:
        base = html.escape(str(request.base_url).rstrip("/"), quote=True)
        return HTMLResponse(_HOME.format(version=__version__, store=store_dialect, base=base,
                                         console=_CONSOLE if console else ""))

    return home
