"""The chat widget's socket.io connection, passed through the web app to Rasa.

Rasa listens on the loopback only: its HTTP API has no token in the default
run, so only the web app and the chat channels may be reachable from outside.
Browsers therefore open ``/socket.io/`` on the web app, and this module relays
both Engine.IO transports to Rasa's socket.io channel unchanged: long-polling
requests one by one, a websocket message by message. The protocol stays
Rasa's, so botfront's rasa-webchat works against the web app as it does
against Rasa.

Which sites may connect: bot/web/widget_cors.py.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from yarl import URL

from bot.settings import Settings

PATH = "/socket.io/"
# A long-poll is held up to Engine.IO's ping interval (25 s); leave room.
LONG_POLL_S = 60
# Engine.IO packets of a chat are small; this is well above the widget's 2000 characters.
MAX_MESSAGE_BYTES = 256 * 1024
# Request headers that mean something to Engine.IO; cookies and the rest stay here.
FORWARDED_HEADERS = ("Content-Type", "Accept", "User-Agent")

TARGET_KEY = web.AppKey("socketio_target", URL)
CLIENT_KEY = web.AppKey("socketio_client", aiohttp.ClientSession)


async def relay(request: web.Request) -> web.StreamResponse:
    target = request.app[TARGET_KEY].with_query(request.query_string)
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await _relay_websocket(request, target.with_scheme("ws"))
    return await _relay_request(request, target)


async def _relay_request(request: web.Request, target: URL) -> web.Response:
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    try:
        async with request.app[CLIENT_KEY].request(
            request.method,
            target,
            data=await request.read(),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=LONG_POLL_S),
        ) as upstream:
            body = await upstream.read()
            content_type = upstream.headers.get("Content-Type", "text/plain; charset=UTF-8")
            return web.Response(
                body=body,
                status=upstream.status,
                headers={"Content-Type": content_type, "Cache-Control": "no-store"},
            )
    except (aiohttp.ClientError, TimeoutError):
        # The client reconnects by itself; it only needs to learn that this failed.
        return web.Response(status=502, text="the assistant is not reachable")


async def _relay_websocket(request: web.Request, target: URL) -> web.StreamResponse:
    try:
        upstream = await request.app[CLIENT_KEY].ws_connect(target, max_msg_size=MAX_MESSAGE_BYTES)
    except (aiohttp.ClientError, TimeoutError):
        return web.Response(status=502, text="the assistant is not reachable")
    browser = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES)
    await browser.prepare(request)
    pumps = [
        asyncio.create_task(_pump(browser, upstream)),
        asyncio.create_task(_pump(upstream, browser)),
    ]
    try:
        # When either side closes, the other is closed too.
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pump in pumps:
            pump.cancel()
        await upstream.close()
        await browser.close()
    return browser


async def _pump(source, destination) -> None:
    async for message in source:
        if destination.closed:
            return
        if message.type == aiohttp.WSMsgType.TEXT:
            await destination.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await destination.send_bytes(message.data)
        else:  # close and error frames end the relay
            return


def setup_socketio_proxy(app: web.Application, settings: Settings) -> None:
    app[TARGET_KEY] = URL(settings.rasa_url).with_path(PATH)
    app.router.add_route("GET", PATH, relay)
    app.router.add_route("POST", PATH, relay)

    async def client(app: web.Application):
        # No overall timeout: a websocket lives as long as the chat is open.
        app[CLIENT_KEY] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        yield
        await app[CLIENT_KEY].close()

    app.cleanup_ctx.append(client)
