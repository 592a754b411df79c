"""aiohttp app factory: demo pages with the chat widget, chat proxy to Rasa, health."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.callback_desk.portal import setup_callback_desk
from bot.channels.apology import apology
from bot.language.policy import DEFAULT_LANGUAGE, page_language
from bot.limits import MAX_MESSAGE_CHARS, TOO_LONG
from bot.privacy import SENDER_WITH_PERSONAL_DATA, id_contains_personal_data
from bot.review.portal import setup_review
from bot.settings import Settings
from bot.staff.portal import setup_staff
from bot.web.privacy import setup_privacy
from bot.web.ui_texts import DEMO_MUNICIPALITY, UI_TEXTS
from bot.web.widget import setup_widget

HERE = Path(__file__).parent
SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

routes = web.RouteTableDef()
SETTINGS_KEY = web.AppKey("settings", Settings)
CLIENT_KEY = web.AppKey("client", aiohttp.ClientSession)


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    raise web.HTTPFound("/fi")


@routes.get(r"/{lang:(fi|sv)}")
@aiohttp_jinja2.template("page.html")
async def demo_page(request: web.Request) -> dict:
    lang = request.match_info["lang"]
    return {
        "lang": lang,
        "other_lang": "sv" if lang == "fi" else "fi",
        "t": UI_TEXTS[lang],
        "municipality": DEMO_MUNICIPALITY,
    }


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.post("/api/chat")
async def chat(request: web.Request) -> web.Response:
    """Passes one resident message to Rasa's REST channel and returns its replies.

    The browser never talks to Rasa directly: Rasa listens on the loopback
    only, and this is the one place that checks what residents send.
    """
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _bad_request("invalid JSON")
    if not isinstance(body, dict):
        return _bad_request("expected a JSON object")
    sender, message = body.get("sender"), body.get("message")
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        return _bad_request("sender must be 8-64 letters, digits, - or _")
    if id_contains_personal_data(sender):
        return _bad_request(SENDER_WITH_PERSONAL_DATA)
    # Control characters (binary pasted in) carry nothing a person wrote: a
    # message of nothing else is empty.
    if isinstance(message, str):
        message = "".join(ch for ch in message if ch.isprintable() or ch in "\n\t")
    if not isinstance(message, str) or not message.strip():
        return _bad_request("message must be non-empty text")
    if len(message) > MAX_MESSAGE_CHARS:
        return _bad_request(TOO_LONG)
    settings = request.app[SETTINGS_KEY]
    payload = {
        "sender": sender,
        "message": message,
        "metadata": {
            "language": str(metadata.get("language", ""))[:5],
            "municipality": str(metadata.get("municipality", ""))[:40],
        },
    }
    try:
        async with request.app[CLIENT_KEY].post(
            f"{settings.rasa_url}/webhooks/rest/webhook",
            json=payload,
            timeout=aiohttp.ClientTimeout(total=30),
        ) as response:
            response.raise_for_status()
            replies = await response.json()
    except (aiohttp.ClientError, TimeoutError):
        # The widget shows the apology: in the page's language, with numbers to call.
        language = page_language(metadata) or DEFAULT_LANGUAGE
        return web.json_response(
            {"error": "assistant unavailable", "messages": [apology(language)]}, status=503
        )
    return web.json_response(replies)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def _client(app: web.Application):
    app[CLIENT_KEY] = aiohttp.ClientSession()
    yield
    await app[CLIENT_KEY].close()


def create_app(settings: Settings | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS_KEY] = settings or Settings()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.add_routes(routes)
    setup_staff(app, app[SETTINGS_KEY])
    setup_review(app, app[SETTINGS_KEY])
    setup_privacy(app, app[SETTINGS_KEY])
    setup_callback_desk(app)
    setup_widget(app, app[SETTINGS_KEY])
    app.router.add_static("/static", HERE / "static")
    app.cleanup_ctx.append(_client)
    return app
