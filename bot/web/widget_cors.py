"""Which sites' pages may talk to the chat: CORS for the widget's paths.

A municipality embeds the widget on its own site, so the widget's requests
(the socket.io connection, its settings, "delete my conversation") usually
come from another origin than the web app's.

NEUVO_WIDGET_ORIGINS   the sites allowed, e.g. "https://www.raasepori.fi
                       https://www.raseborg.fi"; "*" (the default) allows any
                       site: the chat is public, nothing here rides on cookies,
                       and deleting a conversation needs its secret id.

A request from a site not allowed is refused outright, not only left without
CORS headers: a websocket and a text/plain POST reach the server whatever
the headers say.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

WIDGET_PATHS = ("/socket.io/", "/api/widget/", "/api/conversations/")
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}

Middleware = Callable[[web.Request, Callable], Awaitable[web.StreamResponse]]


def allowed_origins() -> frozenset[str]:
    return frozenset(os.environ.get("NEUVO_WIDGET_ORIGINS", "*").split())


def _same_host(origin: str, request: web.Request) -> bool:
    # request.url is not used: aiohttp 3.9 with this yarl fails on a Host with a port.
    try:
        return URL(origin).host == URL("//" + request.host).host
    except ValueError:
        return False


def widget_cors(allowed: frozenset[str]) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if not request.path.startswith(WIDGET_PATHS) or not origin:
            return await handler(request)
        listed = "*" in allowed or origin in allowed
        if not listed and not _same_host(origin, request):
            return web.json_response({"error": "this site may not use the chat"}, status=403)
        # Echoed for the page's own host too: another port there is another origin.
        cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if request.method == "OPTIONS":
            return web.Response(status=204, headers={**cors, **PREFLIGHT_HEADERS})
        try:
            response = await handler(request)
        except web.HTTPException as error:
            error.headers.update(cors)
            raise
        if not response.prepared:  # a relayed websocket has sent its headers already
            response.headers.update(cors)
        return response

    return middleware
