"""Plugging conversation review and analytics into the web app: ``setup_review(app, settings)``."""

from __future__ import annotations

from aiohttp import web

from bot.db import engine_for
from bot.review.analytics_pages import routes as analytics_routes
from bot.review.context import TRACKER_KEY
from bot.review.pages import routes as review_routes
from bot.review.tracker import tracker_url
from bot.settings import Settings


def setup_review(app: web.Application, settings: Settings) -> None:
    """Adds /staff/conversations, /staff/corrections and /staff/analytics.

    Call after setup_staff: the staff middleware protects these routes by
    the roles each handler declares.
    """
    app[TRACKER_KEY] = engine_for(tracker_url(settings))
    app.add_routes(review_routes)
    app.add_routes(analytics_routes)
