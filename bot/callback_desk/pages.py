"""The callback queue and one request's page, for handlers and admins.

Steps are POST forms that answer with a redirect back to the request (so a
reload does not repeat them), or with the page and an error: 400 for bad
input, 409 when the request's state no longer allows the step.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from aiohttp import web

from bot.callback_desk.context import MAX_ROWS, listed_queue, portal_now
from bot.callback_desk.inputs import (
    MAX_NOTE_CHARS,
    STATE_CHOICES,
    URGENCY_CHOICES,
    BadInput,
    QueueFilters,
    parse_callback_id,
    parse_filters,
    parse_next_try,
    parse_note,
)
from bot.callback_desk.steps import (
    AUDIT_OBJECT,
    FIELDS,
    STEPS,
    CallbackNotFound,
    StepInput,
    offered_steps,
    take_step,
)
from bot.callback_desk.views import (
    callback_detail,
    finnish_time,
    need_label,
    queue_units,
)
from bot.callbacks.models import CALL_LANGUAGES
from bot.callbacks.service import InvalidTransition
from bot.clock import FINLAND
from bot.db import session_scope
from bot.messages import text
from bot.review.pages import conversation_path
from bot.schedule import is_working_day
from bot.staff.audit import record
from bot.staff.auth import ADMIN, HANDLER, current_user, require_role, staff_routes
from bot.staff.context import render, staff_engine

routes = web.RouteTableDef()
QUEUE = "/staff/callbacks"
CONVERSATION_ROUTE = "/staff/conversations/{conversation_id}"
CSS = "/static/callbacks.css"
# When a suggested next try may fall: ordinary office hours.
OFFICE_START, OFFICE_END = time(9, 0), time(15, 45)


def callback_path(callback_id: int) -> str:
    return f"{QUEUE}/{callback_id}"


def _helpers(language: str) -> dict:
    """Functions the templates use to name and format things in the page's language."""
    return {
        "need_label": lambda code: need_label(code, language),
        "preferred_time": lambda code: text(f"time_{code}", language),
        "when": finnish_time,
        "callback_path": callback_path,
        "css": CSS,
    }


def _may_open(request: web.Request, canonical_path: str) -> bool:
    role = current_user(request).role
    return any(
        route.method == "GET" and route.path == canonical_path and role in route.roles
        for route in staff_routes(request.app)
    )


# --- the queue --------------------------------------------------------------


@routes.get(QUEUE)
@require_role(HANDLER, ADMIN)
async def queue_page(request: web.Request) -> web.Response:
    user = current_user(request)
    status, error_key = 200, ""
    try:
        filters = parse_filters(request.query)
    except BadInput as error:
        status, error_key, filters = 400, error.key, QueueFilters()
    now = portal_now(request)
    with session_scope(staff_engine(request)) as db:
        rows, total = listed_queue(db, user, filters, now)
        units = queue_units(db, user.language)
    return render(
        request,
        "staff/callbacks.html",
        status,
        rows=rows,
        total=total,
        max_rows=MAX_ROWS,
        overdue=sum(row.item.overdue for row in rows),
        urgent=sum(row.item.urgent for row in rows),
        filters=filters,
        units=units,
        states=STATE_CHOICES,
        urgencies=URGENCY_CHOICES,
        languages=CALL_LANGUAGES,
        now=now,
        error_key=error_key,
        **_helpers(user.language),
    )


# --- one request ------------------------------------------------------------


def _next_try_suggestion(now: datetime) -> str:
    """A datetime-local value: two hours from now on the quarter hour when that is
    office time on a working day, else 9.00 on the next working day."""
    later = now.astimezone(FINLAND) + timedelta(hours=2)
    later = later.replace(minute=later.minute - later.minute % 15, second=0, microsecond=0)
    if not (is_working_day(later.date()) and OFFICE_START <= later.time() <= OFFICE_END):
        day = later.date() if later.time() < OFFICE_START else later.date() + timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
        later = datetime.combine(day, OFFICE_START, tzinfo=FINLAND)
    return later.strftime("%Y-%m-%dT%H:%M")


def _callback_page(
    request: web.Request, callback_id: int, status: int = 200, **values: object
) -> web.Response:
    """The request's page; the view is audited."""
    user = current_user(request)
    now = portal_now(request)
    with session_scope(staff_engine(request)) as db:
        detail = callback_detail(db, callback_id, now)
        if detail is None:
            return render(
                request, "staff/callback.html", 404, detail=None, **_helpers(user.language)
            )
        record(db, user, "view", AUDIT_OBJECT, callback_id)
    return render(
        request,
        "staff/callback.html",
        status,
        detail=detail,
        steps=offered_steps(detail.request, user.id),
        conversation=conversation_path(detail.request.conversation_id)
        if _may_open(request, CONVERSATION_ROUTE)
        else "",
        next_try_min=now.astimezone(FINLAND).strftime("%Y-%m-%dT%H:%M"),
        next_try_suggestion=_next_try_suggestion(now),
        max_note=MAX_NOTE_CHARS,
        **_helpers(user.language),
        **values,
    )


def _bad_id(request: web.Request, error: BadInput) -> web.Response:
    language = current_user(request).language
    return render(
        request, "staff/callback.html", 400, detail=None, error_key=error.key, **_helpers(language)
    )


@routes.get(QUEUE + "/{callback_id}")
@require_role(HANDLER, ADMIN)
async def callback_page(request: web.Request) -> web.Response:
    try:
        callback_id = parse_callback_id(request.match_info["callback_id"])
    except BadInput as error:
        return _bad_id(request, error)
    done = request.query.get("done", "")
    return _callback_page(request, callback_id, done=done if done in STEPS else "")


def _step_handler(step: str):
    async def handle(request: web.Request) -> web.Response:
        try:
            callback_id = parse_callback_id(request.match_info["callback_id"])
        except BadInput as error:
            return _bad_id(request, error)
        form = await request.post()
        draft = {name: form.get(name, "") for name in FIELDS[step]}
        now = portal_now(request)
        try:
            given = StepInput(
                note=parse_note(draft.get("note")),
                next_try_at=parse_next_try(draft.get("next_try_at"), now),
            )
        except BadInput as error:
            return _callback_page(
                request, callback_id, 400, error_key=error.key, failed=step, draft=draft
            )
        try:
            with session_scope(staff_engine(request)) as db:
                take_step(db, current_user(request), callback_id, step, given, now)
        except CallbackNotFound:
            return _callback_page(request, callback_id)  # the page says it was not found
        except InvalidTransition:
            return _callback_page(
                request, callback_id, 409, error_key="cb_conflict", failed=step, draft=draft
            )
        return web.Response(
            status=303, headers={"Location": f"{callback_path(callback_id)}?done={step}"}
        )

    handle.__name__ = f"callback_form_{step.replace('-', '_')}"
    return require_role(HANDLER, ADMIN)(handle)


for _step in STEPS:
    routes.post(f"{QUEUE}/{{callback_id}}/{_step}")(_step_handler(_step))
