"""Plugging the chat widget into the web app: ``setup_widget(app, settings)``.

The widget itself is static/widget.js (one script tag on any page). It needs
the socket.io relay to Rasa (bot/web/socketio_proxy.py), its texts and the
service details (bot/web/widget_api.py), and CORS for pages on other sites
(bot/web/widget_cors.py).
"""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings
from bot.web import widget_api
from bot.web.socketio_proxy import setup_socketio_proxy
from bot.web.widget_cors import allowed_origins, widget_cors


def setup_widget(app: web.Application, settings: Settings) -> None:
    app[widget_api.SETTINGS_KEY] = settings
    app.middlewares.append(widget_cors(allowed_origins()))
    app.add_routes(widget_api.routes)
    setup_socketio_proxy(app, settings)
