"""/staff/appointments: a unit's appointment times on one day, for handlers and admins."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.callback_desk.calendar import calendar_units, day_slots
from bot.callback_desk.context import portal_now
from bot.callback_desk.inputs import BadInput, parse_day, parse_unit
from bot.callback_desk.views import need_label
from bot.db import session_scope
from bot.staff.audit import record
from bot.staff.auth import ADMIN, HANDLER, current_user, require_role
from bot.staff.context import render, staff_engine

routes = web.RouteTableDef()


@routes.get("/staff/appointments")
@require_role(HANDLER, ADMIN)
async def appointments_page(request: web.Request) -> web.Response:
    user = current_user(request)
    today = portal_now(request).date()
    status, error_key, unit_id, day = 200, "", None, today
    try:
        unit_id = parse_unit(request.query.get("unit", ""))
        day = parse_day(request.query.get("date", ""), today)
    except BadInput as error:
        status, error_key, unit_id, day = 400, error.key, None, today
    with session_scope(staff_engine(request)) as db:
        units = calendar_units(db, user.language)
        unit = next((u for u in units if u.id == unit_id), None)
        if unit_id is not None and unit is None:
            status, error_key = 404, "appt_unknown_unit"
        slots = day_slots(db, unit.id, day) if unit else []
        if unit:
            # Booking references lead to residents' bookings: the view is audited.
            record(db, user, "view", "appointment_day", f"{unit.id}/{day.isoformat()}")
    return render(
        request,
        "staff/appointments.html",
        status,
        units=units,
        unit=unit,
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        slots=slots,
        booked=sum(slot.booked for slot in slots),
        error_key=error_key,
        need_label=lambda code: need_label(code, user.language),
        css="/static/callbacks.css",
    )
