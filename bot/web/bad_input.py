"""A request body that cannot be read is the sender's mistake: 400, never a 500.

aiohttp decodes form and text bodies as UTF-8 when a handler asks for them and
raises UnicodeDecodeError on other bytes; every handler would have to catch it.
This middleware answers for all of them.
"""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

REASON = "the request body is not valid UTF-8"


@web.middleware
async def unreadable_body(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except UnicodeDecodeError:
        log.info("Refused %s %s: %s", request.method, request.path, REASON)
        if request.path.startswith("/api/"):
            return web.json_response({"error": REASON}, status=400)
        return web.Response(status=400, text=f"Bad request: {REASON}.")
