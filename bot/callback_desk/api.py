"""The staff JSON API for callback requests, for handlers and admins.

    GET  /api/staff/callbacks?unit=&urgency=urgent|normal&language=fi|sv&state=open|all|<state>
    GET  /api/staff/callbacks/{id}
    POST /api/staff/callbacks/{id}/claim | complete | no-answer | release | cancel
         JSON body (optional): {"note": "...", "next_try_at": "2026-11-25T09:00"}

POSTs need the X-CSRF-Token header (GET /api/staff/me tells the token) and a
JSON body or none. Errors are {"error": "..."} with 400 (bad input), 404 (no
such request) or 409 (the request's state does not allow the step).
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.callback_desk.context import MAX_ROWS, listed_queue, portal_now
from bot.callback_desk.inputs import (
    BadInput,
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
    take_step,
)
from bot.callback_desk.views import (
    callback_detail,
    detail_json,
    iso,
    queue_row_json,
    step_result_json,
)
from bot.callbacks.models import CallbackRequest
from bot.callbacks.service import InvalidTransition
from bot.db import session_scope
from bot.staff.audit import record
from bot.staff.auth import ADMIN, HANDLER, current_user, require_role
from bot.staff.context import staff_engine

routes = web.RouteTableDef()
BASE = "/api/staff/callbacks"


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@routes.get(BASE)
@require_role(HANDLER, ADMIN)
async def list_callbacks(request: web.Request) -> web.Response:
    user = current_user(request)
    try:
        filters = parse_filters(request.query)
    except BadInput as error:
        return _error(400, error.message)
    now = portal_now(request)
    with session_scope(staff_engine(request)) as db:
        rows, total = listed_queue(db, user, filters, now)
    return web.json_response(
        {
            "now": iso(now),
            "filters": filters.as_dict(),
            "total": total,
            "limit": MAX_ROWS,
            "items": [queue_row_json(row, user.language) for row in rows],
        }
    )


@routes.get(BASE + "/{callback_id}")
@require_role(HANDLER, ADMIN)
async def show_callback(request: web.Request) -> web.Response:
    user = current_user(request)
    try:
        callback_id = parse_callback_id(request.match_info["callback_id"])
    except BadInput as error:
        return _error(400, error.message)
    with session_scope(staff_engine(request)) as db:
        detail = callback_detail(db, callback_id, portal_now(request))
        if detail is None:
            return _error(404, f"no callback request {callback_id}")
        record(db, user, "view", AUDIT_OBJECT, callback_id)
        body = detail_json(detail, user.language)
    return web.json_response(body)


async def _json_body(request: web.Request) -> dict:
    if not request.body_exists:
        return {}
    if request.content_type != "application/json":
        raise BadInput("send the body as JSON (Content-Type: application/json)", "")
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise BadInput("the body is not valid JSON", "") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object", "")
    return body


def _step_handler(step: str):
    async def handle(request: web.Request) -> web.Response:
        user = current_user(request)
        now = portal_now(request)
        try:
            callback_id = parse_callback_id(request.match_info["callback_id"])
            body = await _json_body(request)
            unknown = sorted(set(body) - set(FIELDS[step]))
            if unknown:
                raise BadInput(f"{step} does not take: {', '.join(unknown)}", "")
            given = StepInput(
                note=parse_note(body.get("note")),
                next_try_at=parse_next_try(body.get("next_try_at"), now),
            )
        except BadInput as error:
            return _error(400, error.message)
        engine = staff_engine(request)
        try:
            with session_scope(engine) as db:
                take_step(db, user, callback_id, step, given, now)
        except CallbackNotFound as error:
            return _error(404, str(error))
        except InvalidTransition as error:
            return _error(409, str(error))
        with session_scope(engine) as db:
            changed = db.get(CallbackRequest, callback_id)
            return web.json_response(step_result_json(changed))

    handle.__name__ = f"callback_{step.replace('-', '_')}"
    return require_role(HANDLER, ADMIN)(handle)


for _step in STEPS:
    routes.post(f"{BASE}/{{callback_id}}/{_step}")(_step_handler(_step))
