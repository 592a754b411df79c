"""The audit log: who viewed or changed what, and when; readable by admins.

Every view of a callback request or a conversation must be recorded:

    with session_scope(staff_engine(request)) as db:
        record(db, current_user(request), "view", "callback_request", callback.id)
"""

from __future__ import annotations

import math
from typing import Protocol

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import session_scope, utcnow
from bot.staff.auth import require_role
from bot.staff.context import render, staff_engine
from bot.staff.models import ADMIN, AuditEntry, StaffUser

PER_PAGE = 50
MAX_DETAIL_CHARS = 2000

routes = web.RouteTableDef()


class Identified(Protocol):
    id: int


def record(
    session: Session,
    user: Identified | int | None,
    action: str,
    object_type: str,
    object_id: object,
    detail: str = "",
) -> AuditEntry:
    """Adds one entry to the session's transaction (it commits with the caller's work).

    `user` is the acting user (e.g. ``current_user(request)``) or their id.
    """
    entry = AuditEntry(
        at=utcnow(),
        user_id=user if isinstance(user, int) or user is None else user.id,
        action=action[:64],
        object_type=object_type[:64],
        object_id=str(object_id)[:255],
        detail=detail[:MAX_DETAIL_CHARS],
    )
    session.add(entry)
    return entry


def list_entries(
    session: Session, page: int, object_type: str = "", object_id: str = ""
) -> tuple[list[tuple[AuditEntry, str | None]], int, int]:
    """(entries newest first with their usernames, page, number of pages);
    a page past the end gives the last page."""
    conditions = []
    if object_type:
        conditions.append(AuditEntry.object_type == object_type)
    if object_id:
        conditions.append(AuditEntry.object_id == object_id)
    total = session.execute(
        select(func.count()).select_from(AuditEntry).where(*conditions)
    ).scalar_one()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = session.execute(
        select(AuditEntry, StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.user_id)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return [(entry, username) for entry, username in rows], page, pages


def _page_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 1


@routes.get("/staff/audit")
@require_role(ADMIN)
async def audit_page(request: web.Request) -> web.Response:
    object_type = request.query.get("object_type", "")[:64]
    object_id = request.query.get("object_id", "")[:255]
    page = _page_number(request.query.get("page", "1"))
    with session_scope(staff_engine(request)) as db:
        entries, page, pages = list_entries(db, page, object_type, object_id)
    filters = {"object_type": object_type, "object_id": object_id}
    return render(
        request,
        "staff/audit.html",
        entries=entries,
        page=page,
        pages=pages,
        filters={key: value for key, value in filters.items() if value},
    )
