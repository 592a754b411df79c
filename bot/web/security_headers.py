"""Security headers on every response of the web app.

NEUVO_FRAME_ANCESTORS   who may show the resident pages in a frame, e.g.
                        "https://www.raasepori.fi https://www.raseborg.fi"
                        (default 'self'; staff pages: never)
NEUVO_CONNECT_SOURCES   where the pages' scripts may connect besides this site,
                        e.g. "https://chat.example.fi wss://chat.example.fi"
                        (default: none; the widget reaches Rasa's socket.io
                        channel through this site, bot/web/socketio_proxy.py)

Scripts, styles and images come from this site only: no inline script, so a
message that slipped through as HTML still could not run.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.staff.auth import is_staff_path

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def content_security_policy(connect_sources: list[str], frame_ancestors: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": " ".join(["'self'", *connect_sources]),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


Middleware = Callable[[web.Request, Callable], Awaitable[web.StreamResponse]]


def security_headers() -> Middleware:
    """The middleware; reads the environment once, when the app is made."""
    connect = os.environ.get("NEUVO_CONNECT_SOURCES", "").split()
    public_policy = content_security_policy(
        connect, os.environ.get("NEUVO_FRAME_ANCESTORS", "").strip() or "'self'"
    )
    staff_policy = content_security_policy([], "'none'")

    def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        staff = is_staff_path(request.path)
        response.headers["Content-Security-Policy"] = staff_policy if staff else public_policy
        for name, value in FIXED_HEADERS.items():
            # The staff middleware's stricter choices stay.
            response.headers.setdefault(name, value)

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:  # redirects and errors are responses too
            add_headers(request, error)
            raise
        add_headers(request, response)
        return response

    return middleware
