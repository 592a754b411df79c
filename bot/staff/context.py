"""What staff handlers share: the database, the security policy, page rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.staff.auth import IDENTITY_KEY
from bot.staff.policy import StaffPolicy
from bot.staff.texts import DEFAULT_LANGUAGE, other_language, texts


@dataclass(frozen=True)
class StaffContext:
    engine: Engine
    policy: StaffPolicy


STAFF_KEY = web.AppKey("staff", StaffContext)
FINNISH_TIME = ZoneInfo("Europe/Helsinki")


def staff_context(request: web.Request) -> StaffContext:
    return request.app[STAFF_KEY]


def staff_engine(request: web.Request) -> Engine:
    return request.app[STAFF_KEY].engine


def page_language(request: web.Request) -> str:
    """The logged-in user's choice; before login, the ?lang= of the page."""
    identity = request.get(IDENTITY_KEY)
    if identity is not None:
        return identity.language
    requested = request.query.get("lang", "")
    return requested if requested in ("fi", "sv") else DEFAULT_LANGUAGE


def local_time(moment: datetime | None) -> str:
    """A stored (naive UTC) time as Finnish local time, e.g. 23.11.2025 21.16.05."""
    if moment is None:
        return ""
    return (
        moment.replace(tzinfo=timezone.utc).astimezone(FINNISH_TIME).strftime("%d.%m.%Y %H.%M.%S")
    )


def render(
    request: web.Request, template: str, status: int = 200, **values: object
) -> web.Response:
    """A page extending staff/base.html, in the user's language.

    The base layout needs `lang`, `t` (the texts), `user` and `csrf_token`;
    `local_time(datetime)` formats stored times. Pages add their own values.
    """
    language = page_language(request)
    identity = request.get(IDENTITY_KEY)
    context = {
        "lang": language,
        "other_lang": other_language(language),
        "t": texts(language),
        "user": identity,
        "csrf_token": identity.csrf_token if identity else "",
        "path": request.path,
        "local_time": local_time,
        **values,
    }
    return aiohttp_jinja2.render_template(template, request, context, status=status)
