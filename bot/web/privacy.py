"""Plugging privacy into the web app: ``setup_privacy(app, settings)``.

Security headers on every response, 400 for unreadable bodies, the retention
job, and deleting a conversation: by the resident
(bot/web/conversation_deletion.py) and by an admin
(bot/staff/conversation_deletion.py). Call after setup_staff.
"""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings
from bot.staff.conversation_deletion import routes as staff_deletion_routes
from bot.web.bad_input import unreadable_body
from bot.web.conversation_deletion import SETTINGS_KEY
from bot.web.conversation_deletion import routes as resident_deletion_routes
from bot.web.retention_job import retention_job
from bot.web.security_headers import security_headers


def setup_privacy(app: web.Application, settings: Settings) -> None:
    app[SETTINGS_KEY] = settings
    # Outermost, so that every response gets the headers, errors included.
    app.middlewares.insert(0, unreadable_body)
    app.middlewares.insert(0, security_headers())
    app.add_routes(resident_deletion_routes)
    app.add_routes(staff_deletion_routes)
    app.cleanup_ctx.append(retention_job(settings))
