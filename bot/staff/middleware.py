"""The staff middleware: session, CSRF and role checks for every protected route.

Protected: everything under /staff and /api/staff except public routes (the
login form), plus any handler that declares roles. Pages answer a missing
session with a redirect to the login form, the JSON API with 401; a wrong role
or a missing CSRF token gets 403.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError

from bot.db import session_scope
from bot.staff.auth import IDENTITY_KEY, is_public, is_staff_path, route_roles
from bot.staff.context import render, staff_context
from bot.staff.cookies import LOGIN_PATH, SESSION_COOKIE, clear_cookie
from bot.staff.sessions import StaffIdentity, resume_session

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SECURITY_HEADERS = {
    # Staff pages show personal data: keep them out of caches and frames.
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@web.middleware
async def staff_middleware(request: web.Request, handler) -> web.StreamResponse:
    route_handler = request.match_info.handler
    roles = route_roles(route_handler)
    if roles is None and not is_staff_path(request.path):
        return await handler(request)
    if is_public(route_handler):
        return await _hardened(handler, request)

    context = staff_context(request)
    with session_scope(context.engine) as db:
        identity, expired = resume_session(
            db, request.cookies.get(SESSION_COOKIE, ""), context.policy
        )
    if identity is None:
        return _login_required(request, expired)
    request[IDENTITY_KEY] = identity
    if request.method in UNSAFE_METHODS and not await _csrf_ok(request, identity):
        return deny(request, "csrf_failed")
    if isinstance(request.match_info, MatchInfoError):
        return await handler(request)  # 404 / 405, only after login: no route map for strangers
    if roles is None or identity.role not in roles:
        return deny(request, "forbidden")
    return await _hardened(handler, request)


async def _hardened(handler, request: web.Request) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # redirects and errors are responses too
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


async def _csrf_ok(request: web.Request, identity: StaffIdentity) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in FORM_TYPES:
        try:
            sent = (await request.post()).get(CSRF_FIELD)
        except ValueError:
            return False
    if not isinstance(sent, str):
        return False
    return hmac.compare_digest(sent.encode(), identity.csrf_token.encode())


def _login_required(request: web.Request, expired: bool) -> web.StreamResponse:
    if is_api(request):
        response: web.StreamResponse = web.json_response({"error": "login required"}, status=401)
    else:
        query = {"next": request.path_qs if request.method == "GET" else "/staff"}
        if expired:
            query["expired"] = "1"
        response = web.Response(
            status=303, headers={"Location": f"{LOGIN_PATH}?{urlencode(query)}"}
        )
    response.headers.update(SECURITY_HEADERS)
    if SESSION_COOKIE in request.cookies:
        clear_cookie(response, SESSION_COOKIE)
    return response


def deny(request: web.Request, reason: str) -> web.StreamResponse:
    """403: `reason` is a text key (forbidden, csrf_failed)."""
    if is_api(request):
        response = web.json_response({"error": reason}, status=403)
    else:
        response = render(request, "staff/error.html", 403, message_key=reason)
    response.headers.update(SECURITY_HEADERS)
    return response
