"""What the callback desk's handlers share: the time and the queue as the user sees it."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.orm import Session

from bot.callback_desk.inputs import QueueFilters
from bot.callback_desk.steps import AUDIT_OBJECT
from bot.callback_desk.views import QueueRow, queue_rows
from bot.callbacks.service import callback_queue
from bot.staff.audit import record
from bot.staff.context import staff_context
from bot.staff.sessions import StaffIdentity
from bot.storedtime import from_stored

# More rows than a handler reads; closed requests pile up over the years.
MAX_ROWS = 500


def portal_now(request: web.Request) -> datetime:
    """Finnish time by the portal's clock (tests inject it), for overdue flags and steps."""
    return from_stored(staff_context(request).policy.clock())


def listed_queue(
    session: Session, user: StaffIdentity, filters: QueueFilters, now: datetime
) -> tuple[list[QueueRow], int]:
    """(the first MAX_ROWS rows, how many matched); the listing is audited with its ids."""
    items = callback_queue(
        session,
        now=now,
        unit=filters.unit,
        urgency=filters.urgent,
        language=filters.language,
        states=filters.states,
    )
    shown = items[:MAX_ROWS]
    filters_text = " ".join(f"{name}={value}" for name, value in filters.as_dict().items())
    ids = ",".join(str(item.id) for item in shown)
    record(session, user, "list", AUDIT_OBJECT, "", f"{filters_text} ids={ids}")
    return queue_rows(session, shown), len(items)
