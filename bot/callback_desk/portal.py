"""Plugging the callback desk into the web app: ``setup_callback_desk(app)``."""

from __future__ import annotations

from aiohttp import web

from bot.callback_desk.api import routes as api_routes
from bot.callback_desk.calendar_page import routes as calendar_routes
from bot.callback_desk.pages import routes as page_routes


def setup_callback_desk(app: web.Application) -> None:
    """Adds /staff/callbacks, /staff/appointments and /api/staff/callbacks.

    Call after setup_staff: the staff middleware protects these routes by the
    roles each handler declares, and checks the CSRF token of every POST.
    """
    app.add_routes(page_routes)
    app.add_routes(calendar_routes)
    app.add_routes(api_routes)
