"""The analytics page, its charts and a CSV download of each table.

Roles: handlers, reviewers and admins. The page shows counts and shares
only, never a conversation or a resident, and the callback service level is
the handlers' own measure.
"""

from __future__ import annotations

from aiohttp import web

from bot.review.analytics import summarise
from bot.review.context import off_loop, today, tracker_engine
from bot.review.csv_export import csv_response
from bot.review.period import Period
from bot.review.sources import load_callbacks, load_conversations, load_feedback
from bot.review.tables import TABLES, all_tables
from bot.staff.auth import ADMIN, HANDLER, REVIEWER, current_user, require_role
from bot.staff.context import render, staff_context, staff_engine

routes = web.RouteTableDef()


def _gather(request: web.Request, period: Period):
    conversations = load_conversations(tracker_engine(request), period)
    app = staff_engine(request)
    feedback = load_feedback(app, [c.id for c in conversations])
    callbacks = load_callbacks(app, period)
    now = staff_context(request).policy.clock()
    return summarise(conversations, feedback, callbacks, period, now)


@routes.get("/staff/analytics")
@require_role(HANDLER, REVIEWER, ADMIN)
async def analytics(request: web.Request) -> web.Response:
    period = Period.from_query(request.query, today(request))
    data = await off_loop(lambda: _gather(request, period))
    language = current_user(request).language
    if request.query.get("format") == "csv":
        build = TABLES.get(request.query.get("table", ""))
        if build is None:
            raise web.HTTPNotFound(text="unknown table")
        table = build(data, language)
        filename = f"neuvo-{table.name}-{period.start}-{period.end}.csv"
        return csv_response(
            filename, table.columns, [[cell.raw for cell in row] for row in table.rows]
        )
    return render(
        request,
        "staff/analytics.html",
        period=period,
        tables=all_tables(data, language),
        period_query=period.as_query(),
    )
