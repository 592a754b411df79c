"""Staff portal pages: login, logout, language, dashboard, user admin, /api/staff/me."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.staff.accounts import (
    AccountError,
    create_user,
    list_users,
    set_language,
    unlock_user,
)
from bot.staff.audit import record
from bot.staff.auth import (
    ALL_ROLES,
    current_user,
    is_staff_path,
    public_route,
    require_role,
    staff_routes,
)
from bot.staff.context import render, staff_context, staff_engine
from bot.staff.cookies import LOGIN_COOKIE, LOGIN_PATH, SESSION_COOKIE, clear_cookie, set_cookie
from bot.staff.login import Outcome, log_in
from bot.staff.models import ADMIN, LANGUAGES, ROLES, StaffUser
from bot.staff.sessions import end_expired_sessions, end_session
from bot.staff.texts import DEFAULT_LANGUAGE, texts

routes = web.RouteTableDef()
USER_ID_RE = re.compile(r"[0-9]{1,9}")

DASHBOARD = "/staff"
# Sections of the dashboard, shown when their page exists and the user's role
# may open it. The callback queue, conversation review and analytics are
# added by their own modules at these paths.
SECTIONS = (
    ("/staff/callbacks", "section_callbacks"),
    ("/staff/conversations", "section_conversations"),
    ("/staff/analytics", "section_analytics"),
    ("/staff/users", "section_users"),
    ("/staff/audit", "section_audit"),
)


def safe_next(target: str) -> str:
    """Where to go after login: only a staff page of this site (no open redirect)."""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and len(target) <= 512
        and is_staff_path(urlsplit(target).path)
    ):
        return target
    return DASHBOARD


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _form_language(value: object) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


# --- login and logout ------------------------------------------------------


def _login_page(
    request: web.Request,
    status: int = 200,
    error_key: str = "",
    username: str = "",
    next_target: str = "",
    **values,
) -> web.Response:
    """The login form with a fresh form token, also set in the login cookie."""
    form_token = secrets.token_urlsafe(32)
    response = render(
        request,
        "staff/login.html",
        status,
        form_token=form_token,
        error_key=error_key,
        username=username,
        next=safe_next(next_target or request.query.get("next", DASHBOARD)),
        **values,
    )
    set_cookie(
        request, response, LOGIN_COOKIE, form_token, staff_context(request).policy, LOGIN_PATH
    )
    return response


@routes.get(LOGIN_PATH)
@public_route
async def login_form(request: web.Request) -> web.Response:
    notice_key = ""
    if request.query.get("expired"):
        notice_key = "session_expired"
    elif request.query.get("logged_out"):
        notice_key = "logged_out"
    return _login_page(request, notice_key=notice_key)


@routes.post(LOGIN_PATH)
@public_route
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))
    next_target = safe_next(str(form.get("next", DASHBOARD)))
    sent_token = str(form.get("form_token", "")).encode()
    cookie_token = request.cookies.get(LOGIN_COOKIE, "").encode()
    if not cookie_token or not hmac.compare_digest(sent_token, cookie_token):
        return _login_page(request, 403, "login_form_expired", username, next_target)

    context = staff_context(request)
    result = await log_in(
        context.engine, context.policy, username, password, request.remote or "unknown"
    )
    if result.outcome is Outcome.INVALID:
        return _login_page(request, 401, "login_failed", username, next_target)
    if result.outcome is not Outcome.OK:
        minutes = int(context.policy.lockout / timedelta(minutes=1))
        return _login_page(
            request, 429, "login_locked", username, next_target, lockout_minutes=minutes
        )

    with session_scope(context.engine) as db:
        record(db, result.user_id, "login", "staff_user", result.user_id)
        end_expired_sessions(db, context.policy)
    response = _see_other(next_target)
    set_cookie(request, response, SESSION_COOKIE, result.token, context.policy)
    clear_cookie(response, LOGIN_COOKIE, LOGIN_PATH)
    return response


@routes.post("/staff/logout")
@require_role(*ALL_ROLES)
async def logout(request: web.Request) -> web.Response:
    user = current_user(request)
    with session_scope(staff_engine(request)) as db:
        end_session(db, user.session_id)
        record(db, user, "logout", "staff_user", user.id)
    query = urlencode({"logged_out": "1", "lang": user.language})
    response = _see_other(f"{LOGIN_PATH}?{query}")
    clear_cookie(response, SESSION_COOKIE)
    return response


@routes.post("/staff/language")
@require_role(*ALL_ROLES)
async def choose_language(request: web.Request) -> web.Response:
    form = await request.post()
    with session_scope(staff_engine(request)) as db:
        set_language(db, current_user(request).id, _form_language(form.get("language")))
    return _see_other(safe_next(str(form.get("next", DASHBOARD))))


# --- dashboard and API -----------------------------------------------------


@routes.get(DASHBOARD)
@require_role(*ALL_ROLES)
async def dashboard(request: web.Request) -> web.Response:
    role = current_user(request).role
    readable = {
        route.path
        for route in staff_routes(request.app)
        if route.method == "GET" and role in route.roles
    }
    sections = [(path, key) for path, key in SECTIONS if path in readable]
    return render(request, "staff/dashboard.html", sections=sections)


@routes.get("/api/staff/me")
@require_role(*ALL_ROLES)
async def me(request: web.Request) -> web.Response:
    user = current_user(request)
    return web.json_response(
        {
            "id": user.id,
            "username": user.username,
            "role": user.role,
            "language": user.language,
            # For scripts of the portal's own pages: send it as X-CSRF-Token.
            "csrf_token": user.csrf_token,
        }
    )


# --- user administration ---------------------------------------------------


def _users_page(request: web.Request, db: Session, status: int = 200, **values) -> web.Response:
    return render(
        request,
        "staff/users.html",
        status,
        users=list_users(db),
        roles=ROLES,
        languages=LANGUAGES,
        now=staff_context(request).policy.clock(),
        **values,
    )


def _username_of(db: Session, raw_id: str) -> str:
    user = db.get(StaffUser, int(raw_id)) if USER_ID_RE.fullmatch(raw_id) else None
    return user.username if user is not None else ""


@routes.get("/staff/users")
@require_role(ADMIN)
async def users(request: web.Request) -> web.Response:
    with session_scope(staff_engine(request)) as db:
        # Notices name users by id, so a crafted link cannot put words on the page.
        created = _username_of(db, request.query.get("created", ""))
        unlocked = _username_of(db, request.query.get("unlocked", ""))
        return _users_page(request, db, created=created, unlocked=unlocked)


@routes.post("/staff/users")
@require_role(ADMIN)
async def add_user(request: web.Request) -> web.Response:
    form = await request.post()
    username, role = str(form.get("username", ""))[:64], str(form.get("role", ""))
    language = str(form.get("language", ""))
    with session_scope(staff_engine(request)) as db:
        try:
            user = create_user(db, username, str(form.get("password", "")), role, language)
        except AccountError as error:
            db.rollback()
            draft = {"username": username, "role": role, "language": language}
            return _users_page(request, db, 400, error_key=error.key, draft=draft)
        record(db, current_user(request), "create", "staff_user", user.id, f"role={role}")
    return _see_other(f"/staff/users?created={user.id}")


@routes.post(r"/staff/users/{user_id:[0-9]{1,9}}/unlock")
@require_role(ADMIN)
async def unlock(request: web.Request) -> web.Response:
    user_id = int(request.match_info["user_id"])
    with session_scope(staff_engine(request)) as db:
        if unlock_user(db, user_id) is None:
            raise web.HTTPNotFound(text=texts(current_user(request).language)["user_not_found"])
        record(db, current_user(request), "unlock", "staff_user", user_id)
    return _see_other(f"/staff/users?unlocked={user_id}")
