"""Who may call which route: the route -> roles registry of the staff portal.

Every handler under /staff or /api/staff declares its roles with
``@require_role(...)`` (or ``@public_route`` for the login form); the staff
middleware enforces them, and a handler under those paths that declares
nothing answers 403 to everyone and stops the app from starting. Any handler
elsewhere that declares roles is protected the same way. Roles do not nest:
list every role that may call a route.

    @routes.get("/staff/callbacks/{callback_id}")
    @require_role(HANDLER, ADMIN)
    async def show_callback(request): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from bot.staff.models import ADMIN, HANDLER, REVIEWER, ROLES
from bot.staff.sessions import StaffIdentity

__all__ = [
    "ADMIN",
    "ALL_ROLES",
    "HANDLER",
    "REVIEWER",
    "StaffRoute",
    "current_user",
    "is_staff_path",
    "public_route",
    "require_role",
    "route_roles",
    "staff_routes",
]

ALL_ROLES = ROLES
STAFF_PREFIXES = ("/staff", "/api/staff")
IDENTITY_KEY = "neuvo.staff.identity"
_ROLES_ATTRIBUTE = "__staff_roles__"
_PUBLIC_ATTRIBUTE = "__staff_public__"

Handler = TypeVar("Handler", bound=Callable)


def require_role(*roles: str) -> Callable[[Handler], Handler]:
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_role needs roles among {ROLES}, got {roles}")

    def declare(handler: Handler) -> Handler:
        # An attribute, not a wrapper: functools.wraps (e.g. in
        # aiohttp_jinja2.template) copies it, so decorator order does not matter.
        setattr(handler, _ROLES_ATTRIBUTE, frozenset(roles))
        return handler

    return declare


def public_route(handler: Handler) -> Handler:
    """Open without a session (only the login form)."""
    setattr(handler, _PUBLIC_ATTRIBUTE, True)
    return handler


def is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_PREFIXES)


def is_public(handler: Callable) -> bool:
    return getattr(handler, _PUBLIC_ATTRIBUTE, False)


def route_roles(handler: Callable) -> frozenset[str] | None:
    """The roles a handler declared, or None when it declared none."""
    return getattr(handler, _ROLES_ATTRIBUTE, None)


@dataclass(frozen=True)
class StaffRoute:
    method: str
    path: str  # the resource's canonical form, e.g. /staff/users/{user_id}/unlock
    roles: frozenset[str]  # empty: nobody (undeclared, a mistake) or public
    public: bool


def staff_routes(app: web.Application) -> list[StaffRoute]:
    """Every protected route of the app: under the staff paths or declaring roles."""
    table = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None:
            continue
        roles = route_roles(route.handler)
        if roles is None and not is_staff_path(resource.canonical):
            continue
        table.append(
            StaffRoute(
                method=route.method,
                path=resource.canonical,
                roles=roles or frozenset(),
                public=is_public(route.handler),
            )
        )
    return table


def current_user(request: web.Request) -> StaffIdentity:
    """The logged-in user; the staff middleware has checked the session."""
    identity = request.get(IDENTITY_KEY)
    if identity is None:
        raise web.HTTPUnauthorized()
    return identity
