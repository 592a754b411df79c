"""What the chat widget reads from the web app besides the chat itself.

GET /api/widget/config
    {"languages": ["fi", "sv"], "texts": {"fi": {...}, "sv": {...}}}: the
    widget's texts (bot/web/ui_texts.py) with the retention periods filled in.
GET /api/widget/services?ids=a,b&lang=fi
    {"services": [{"id", "hours": [{"channel": "location"|"phone", "lines": [...]}],
    "always_open", "links": [{"type": "eservice"|"webpage", "url"}]}]}: what a
    service card shows beyond the routing payload's summary, from the
    catalogue. Unknown ids are left out.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from bot.catalogue.hours_text import weekly_hours_text
from bot.catalogue.models import Service
from bot.db import engine_for, session_scope
from bot.language.policy import SERVICE_LANGUAGES
from bot.retention import RetentionPolicy
from bot.settings import Settings
from bot.web.ui_texts import WIDGET_TEXTS

log = logging.getLogger(__name__)

# A payload lists at most a handful of services; ids are catalogue keys.
MAX_IDS = 10
SERVICE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
LINK_CHANNELS = ("eservice", "webpage")
HOURS_CHANNELS = ("location", "phone")

SETTINGS_KEY = web.AppKey("widget_settings", Settings)
routes = web.RouteTableDef()


def widget_texts(policy: RetentionPolicy) -> dict[str, dict[str, str]]:
    values = {
        "conversation_days": policy.conversations.days,
        "callback_days": policy.closed_callbacks.days,
    }
    return {
        language: {key: text.format(**values) for key, text in texts.items()}
        for language, texts in WIDGET_TEXTS.items()
    }


def service_details(settings: Settings, ids: list[str], language: str) -> list[dict]:
    with session_scope(engine_for(settings.database_url)) as session:
        services = session.execute(
            select(Service).where(Service.id.in_(ids)).options(selectinload(Service.channels))
        ).scalars()
        by_id = {service.id: _details(service, language) for service in services}
    return [by_id[i] for i in ids if i in by_id]


def _details(service: Service, language: str) -> dict:
    channels = sorted(service.channels, key=lambda c: c.id)
    hours = [
        {"channel": channel.type, "lines": lines}
        for channel in channels
        if channel.type in HOURS_CHANNELS and (lines := weekly_hours_text(channel.hours, language))
    ]
    links = [
        {"type": channel.type, "url": channel.url}
        for channel in channels
        if channel.type in LINK_CHANNELS and channel.url
    ]
    return {
        "id": service.id,
        "hours": hours,
        "always_open": any(c.always_open for c in channels if c.type in HOURS_CHANNELS),
        "links": links,
    }


@routes.get("/api/widget/config")
async def config(request: web.Request) -> web.Response:
    return web.json_response(
        {"languages": list(SERVICE_LANGUAGES), "texts": widget_texts(RetentionPolicy())},
        headers={"Cache-Control": "max-age=300"},
    )


@routes.get("/api/widget/services")
async def services(request: web.Request) -> web.Response:
    language = request.query.get("lang", "")
    if language not in SERVICE_LANGUAGES:
        return web.json_response({"error": "lang must be fi or sv"}, status=400)
    ids = list(dict.fromkeys(i for i in request.query.get("ids", "").split(",") if i))
    if not ids or len(ids) > MAX_IDS or not all(SERVICE_ID.fullmatch(i) for i in ids):
        return web.json_response(
            {"error": f"ids must be 1 to {MAX_IDS} service ids, separated by commas"}, status=400
        )
    try:
        details = await asyncio.to_thread(service_details, request.app[SETTINGS_KEY], ids, language)
    except SQLAlchemyError:
        log.exception("Reading service details failed")
        # The card still shows the payload's name, phone and link.
        return web.json_response({"error": "please try again in a moment"}, status=503)
    return web.json_response({"services": details})
