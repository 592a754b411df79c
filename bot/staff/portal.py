"""Plugging the staff portal into the web app: ``setup_staff(app, settings)``."""

from __future__ import annotations

from aiohttp import web

from bot.db import engine_for, init_db
from bot.settings import Settings
from bot.staff.audit import routes as audit_routes
from bot.staff.auth import staff_routes
from bot.staff.context import STAFF_KEY, StaffContext
from bot.staff.middleware import staff_middleware
from bot.staff.policy import StaffPolicy
from bot.staff.routes import routes as portal_routes


def setup_staff(
    app: web.Application, settings: Settings, policy: StaffPolicy | None = None
) -> None:
    """Adds the portal's routes and the middleware that protects every staff route.

    Routes that other modules add to the app later (before it starts) are
    protected too; see bot.staff.auth.
    """
    app[STAFF_KEY] = StaffContext(engine_for(settings.database_url), policy or StaffPolicy())
    app.middlewares.append(staff_middleware)
    app.add_routes(portal_routes)
    app.add_routes(audit_routes)
    app.on_startup.append(_check_routes_and_tables)


async def _check_routes_and_tables(app: web.Application) -> None:
    undeclared = [
        f"{route.method} {route.path}"
        for route in staff_routes(app)
        if not route.roles and not route.public
    ]
    if undeclared:
        raise RuntimeError(
            "staff routes without @require_role or @public_route: " + ", ".join(undeclared)
        )
    # The run command creates the tables; a web app started on its own must not
    # answer logins with errors on a fresh database.
    init_db(app[STAFF_KEY].engine)
