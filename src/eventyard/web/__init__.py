"""eventyard's own HTTP endpoints, routed by Starlette: the home page, health, metrics,
the SNS signing certificate; next the Lambda Runtime API, function URLs and the console.

AWS API requests never come here: ``server.Front`` sends them straight to ``api/``
(``is_own_request`` tells the two apart), so routing costs them nothing. A new endpoint
is a module here with its endpoint factory, and one ``Route`` in ``site.py``.
"""

from eventyard.web.site import OWN_PREFIXES, Site, build_site, is_own_request

__all__ = ["OWN_PREFIXES", "Site", "build_site", "is_own_request"]
