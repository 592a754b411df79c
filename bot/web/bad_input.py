"""A request body that cannot be read is the sender's mistake: 4xx, never a 500.

aiohttp decodes form and text bodies as UTF-8 when a handler asks for them and
raises UnicodeDecodeError on other bytes, and refuses bodies over the app's
client_max_size with a bare text 413; every handler would have to catch both.
This middleware answers for all of them, as JSON under /api/ like every other
refusal there.
"""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

NOT_UTF8 = "the request body is not valid UTF-8"
TOO_LARGE = "the request body is too large"


def _refusal(request: web.Request, status: int, reason: str) -> web.Response:
    log.info("Refused %s %s: %s", request.method, request.path, reason)
    if request.path.startswith("/api/"):
        return web.json_response({"error": reason}, status=status)
    return web.Response(status=status, text=f"{reason[0].upper()}{reason[1:]}.")


@web.middleware
async def unreadable_body(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except UnicodeDecodeError:
        return _refusal(request, 400, NOT_UTF8)
    except web.HTTPRequestEntityTooLarge:
        return _refusal(request, 413, TOO_LARGE)
