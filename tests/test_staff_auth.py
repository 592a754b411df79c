"""The staff portal's accounts, sessions, CSRF, roles and audit log, through the
real web app (create_app) on a real port with a real SQLite database.

The clock of the security policy is injected, so lockouts and timeouts are
tested without waiting; everything else runs as in production.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import stat
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from argon2 import PasswordHasher
from sqlalchemy import func, select

from bot.cli import main as neuvo
from bot.db import engine_for, init_db, make_engine, session_scope
from bot.settings import Settings
from bot.staff.accounts import DEMO_ADMIN, DEMO_ADMIN_FILE, create_user, ensure_demo_admin
from bot.staff.audit import PER_PAGE, record
from bot.staff.auth import ADMIN, HANDLER, REVIEWER, require_role, route_roles, staff_routes
from bot.staff.context import STAFF_KEY
from bot.staff.cookies import LOGIN_COOKIE, SESSION_COOKIE
from bot.staff.models import AuditEntry, StaffSession, StaffUser
from bot.staff.passwords import HASHER
from bot.staff.policy import StaffPolicy
from bot.staff.texts import TEXTS
from bot.web.app import create_app

PASSWORDS = {
    "alma.admin": "admin-salasana-1234",
    "hanna.handler": "handler-lösenord-5678",
    "reijo.reviewer": "reviewer-salasana-9012",
}
ROLES_OF = {"alma.admin": "admin", "hanna.handler": "handler", "reijo.reviewer": "reviewer"}
PUBLIC_ROUTES = {("GET", "/staff/login"), ("HEAD", "/staff/login"), ("POST", "/staff/login")}


class Clock:
    """The policy's "now" (naive UTC), moved by the tests."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 8, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Portal:
    server: TestServer
    app: web.Application
    clock: Clock

    @property
    def engine(self):
        return self.app[STAFF_KEY].engine

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def browser(self) -> Browser:
        return Browser(self)


class Browser:
    """One browser: its own cookie jar, no automatic redirects."""

    def __init__(self, portal: Portal):
        self.portal = portal
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def request(self, method: str, path: str, **kwargs) -> tuple[int, dict, str]:
        kwargs.setdefault("allow_redirects", False)
        async with self.http.request(method, self.portal.url(path), **kwargs) as response:
            return response.status, response.headers, await response.text()

    async def get(self, path: str, **kwargs) -> tuple[int, dict, str]:
        return await self.request("GET", path, **kwargs)

    async def post_form(self, path: str, form: dict, csrf: bool = True):
        data = {**form, "csrf_token": self.csrf} if csrf else form
        return await self.request("POST", path, data=data)

    async def log_in(self, username: str, password: str | None = None, next_page: str = ""):
        status, _, page = await self.get("/staff/login")
        assert status == 200
        form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        form = {
            "username": username,
            "password": PASSWORDS.get(username, "") if password is None else password,
            "form_token": form_token,
        }
        if next_page:
            form["next"] = next_page
        status, headers, body = await self.request("POST", "/staff/login", data=form)
        if status == 303:
            _, _, me = await self.get("/api/staff/me")
            self.csrf = re.search(r'"csrf_token": "([^"]+)"', me).group(1)
        return status, headers, body

    def session_cookie(self) -> str:
        return self.http.cookie_jar.filter_cookies(self.portal.url("/staff"))[SESSION_COOKIE].value

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the three test accounts, made once: Argon2 hashing is
    deliberately slow, and each test gets its own copy."""
    path = tmp_path_factory.mktemp("seed") / "staff.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with session_scope(engine) as db:
        for username, password in PASSWORDS.items():
            language = "sv" if username == "hanna.handler" else "fi"
            create_user(db, username, password, ROLES_OF[username], language)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def portal_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded_database: Path
) -> Settings:
    shutil.copy(seeded_database, tmp_path / "staff.db")
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{tmp_path / 'staff.db'}")
    return Settings(var_dir=tmp_path)


async def start_portal(
    settings: Settings, policy: StaffPolicy, extra_routes: list[web.RouteDef] = ()
) -> Portal:
    app = create_app(settings)
    app[STAFF_KEY] = replace(app[STAFF_KEY], policy=policy)
    app.add_routes(extra_routes)
    server = TestServer(app)
    await server.start_server()
    return Portal(server, app, policy.clock)


@pytest.fixture
async def portal(portal_settings: Settings) -> AsyncIterator[Portal]:
    clock = Clock()
    running = await start_portal(portal_settings, StaffPolicy(secure_cookies=False, clock=clock))
    yield running
    await running.server.close()


@pytest.fixture
async def browsers(portal: Portal) -> AsyncIterator:
    opened: list[Browser] = []

    def open_browser() -> Browser:
        opened.append(portal.browser())
        return opened[-1]

    yield open_browser
    for browser in opened:
        await browser.close()


def user_row(portal: Portal, username: str) -> StaffUser:
    with session_scope(portal.engine) as db:
        return db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one()


def redirects_to_login(status: int, headers) -> bool:
    return status in (302, 303) and headers["Location"].startswith("/staff/login")


# --- login -----------------------------------------------------------------


async def test_login_sets_a_hardened_session_cookie_and_opens_the_dashboard(portal, browsers):
    browser = browsers()
    status, headers, _ = await browser.log_in("alma.admin", next_page="/staff/users")
    assert status == 303 and headers["Location"] == "/staff/users"
    cookie = next(v for v in headers.getall("Set-Cookie") if v.startswith(SESSION_COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "secure" not in attributes  # http://localhost: off unless configured

    status, headers, page = await browser.get("/staff")
    assert status == 200
    assert "alma.admin" in page and '<html lang="fi">' in page
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    status, _, me = await browser.get("/api/staff/me")
    assert status == 200 and '"role": "admin"' in me

    # The database holds the token's hash only.
    token = browser.session_cookie()
    with session_scope(portal.engine) as db:
        hashes = list(db.execute(select(StaffSession.token_hash)).scalars())
    assert hashlib.sha256(token.encode()).hexdigest() in hashes and token not in hashes
    assert user_row(portal, "alma.admin").last_login_at == portal.clock.now


async def test_secure_cookies_when_configured(portal_settings, monkeypatch):
    monkeypatch.setenv("NEUVO_SECURE_COOKIES", "1")
    secure = await start_portal(portal_settings, StaffPolicy(clock=Clock()))
    # A browser keeps Secure cookies for HTTPS; this one sends them by hand.
    browser = secure.browser()
    try:
        status, headers, page = await browser.get("/staff/login")
        login_cookie = headers["Set-Cookie"]
        assert "secure" in login_cookie.lower().replace(" ", "").split(";")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        form = {"username": "alma.admin", "password": PASSWORDS["alma.admin"]}
        status, headers, _ = await browser.request(
            "POST",
            "/staff/login",
            data={**form, "form_token": form_token},
            headers={"Cookie": f"{LOGIN_COOKIE}={form_token}"},
        )
        assert status == 303
        cookies = headers.getall("Set-Cookie")
        session_cookie = next(v for v in cookies if v.startswith(SESSION_COOKIE + "="))
        assert "secure" in session_cookie.lower().replace(" ", "").split(";")
    finally:
        await browser.close()
        await secure.server.close()


@pytest.mark.parametrize(
    ("setting", "host", "secure"),
    [
        ("", "hyvinvointialue.example.fi", True),  # opened from elsewhere: HTTPS expected
        ("", "localhost", False),
        ("0", "hyvinvointialue.example.fi", False),  # a deliberate plain-HTTP test setup
    ],
)
async def test_secure_cookies_by_default_unless_on_this_machine(
    portal_settings, monkeypatch, setting, host, secure
):
    monkeypatch.setenv("NEUVO_SECURE_COOKIES", setting)
    running = await start_portal(portal_settings, StaffPolicy(clock=Clock()))
    browser = running.browser()
    try:
        _, headers, _ = await browser.get("/staff/login", headers={"Host": host})
        attributes = headers["Set-Cookie"].lower().replace(" ", "").split(";")
        assert ("secure" in attributes) is secure
    finally:
        await browser.close()
        await running.server.close()


async def test_wrong_password_is_refused_without_a_session(portal, browsers):
    browser = browsers()
    status, headers, page = await browser.log_in("alma.admin", "not-the-password-at-all")
    assert status == 401
    assert TEXTS["fi"]["login_failed"] in page
    assert not any(v.startswith(SESSION_COOKIE + "=") for v in headers.getall("Set-Cookie", []))
    assert user_row(portal, "alma.admin").failed_logins == 1
    status, headers, _ = await browser.get("/staff")
    assert redirects_to_login(status, headers)


async def test_lockout_after_five_failures_and_unlock_after_the_period(portal, browsers):
    browser = browsers()
    statuses = [
        (await browser.log_in("reijo.reviewer", f"wrong-{n}-password"))[0] for n in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    locked_until = user_row(portal, "reijo.reviewer").locked_until
    assert locked_until == portal.clock.now + timedelta(minutes=15)

    status, _, page = await browser.log_in("reijo.reviewer")  # right password, still locked
    assert status == 429 and "15 minuutin" in page
    portal.clock.advance(minutes=14, seconds=59)
    assert (await browser.log_in("reijo.reviewer"))[0] == 429
    portal.clock.advance(seconds=2)
    assert (await browser.log_in("reijo.reviewer"))[0] == 303
    user = user_row(portal, "reijo.reviewer")
    assert user.failed_logins == 0 and user.locked_until is None


async def test_unknown_usernames_answer_like_known_ones_in_verdict_and_time(portal, browsers):
    browser = browsers()
    unknown = [(await browser.log_in("ei.ketaan", f"wrong-{n}-password"))[0] for n in range(5)]
    assert unknown == [401, 401, 401, 401, 429]

    async def timed(username: str) -> float:
        started = time.perf_counter()
        await browser.log_in(username, "wrong-password-again")
        return time.perf_counter() - started

    known_times = [await timed("alma.admin") for _ in range(3)]
    unknown_times = [await timed(f"nobody{n}") for n in range(3)]
    # Both pay one Argon2 verification (tens of ms); a skipped check would be ~1 ms.
    assert statistics.median(unknown_times) > 0.5 * statistics.median(known_times)


async def test_too_many_failures_from_one_address_throttle_every_username(portal_settings):
    portal = await start_portal(portal_settings, StaffPolicy(clock=Clock(), max_failures_per_ip=6))
    browser = portal.browser()
    try:
        for n in range(6):  # different usernames: no single account gets locked
            assert (await browser.log_in(f"guess{n}", "wrong-password-x"))[0] == 401
        assert (await browser.log_in("alma.admin"))[0] == 429
        assert user_row(portal, "alma.admin").locked_until is None
        portal.clock.advance(minutes=16)
        assert (await browser.log_in("alma.admin"))[0] == 303
    finally:
        await browser.close()
        await portal.server.close()


async def test_admin_unlocks_a_locked_account(portal, browsers):
    victim, admin = browsers(), browsers()
    for n in range(5):
        await victim.log_in("hanna.handler", f"wrong-{n}-password")
    assert (await victim.log_in("hanna.handler"))[0] == 429
    await admin.log_in("alma.admin")
    status, _, page = await admin.get("/staff/users")
    assert status == 200 and "lukittu" in page
    user_id = user_row(portal, "hanna.handler").id
    status, headers, _ = await admin.post_form(f"/staff/users/{user_id}/unlock", {})
    assert status == 303
    assert (await victim.log_in("hanna.handler"))[0] == 303
    with session_scope(portal.engine) as db:
        actions = set(db.execute(select(AuditEntry.action)).scalars())
    assert "unlock" in actions


async def test_outdated_password_hash_is_upgraded_at_login(portal, browsers):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with session_scope(portal.engine) as db:
        user = db.execute(select(StaffUser).where(StaffUser.username == "alma.admin")).scalar_one()
        user.password_hash = weak.hash(PASSWORDS["alma.admin"])
    assert HASHER.check_needs_rehash(user_row(portal, "alma.admin").password_hash)
    assert (await browsers().log_in("alma.admin"))[0] == 303
    upgraded = user_row(portal, "alma.admin").password_hash
    assert not HASHER.check_needs_rehash(upgraded)
    HASHER.verify(upgraded, PASSWORDS["alma.admin"])


async def test_login_form_needs_its_own_token_and_next_stays_on_the_site(portal, browsers):
    browser = browsers()
    status, headers, _ = await browser.request(
        "POST",
        "/staff/login",
        data={"username": "alma.admin", "password": PASSWORDS["alma.admin"], "form_token": "x"},
    )
    assert status == 403
    for target in ("https://evil.example/", "//evil.example/staff", "/fi", "/\\evil.example"):
        status, headers, _ = await browsers().log_in("alma.admin", next_page=target)
        assert status == 303 and headers["Location"] == "/staff", target


# --- sessions --------------------------------------------------------------


async def test_csrf_token_is_required_for_every_change(portal, browsers):
    admin = browsers()
    await admin.log_in("alma.admin")
    new_user = {
        "username": "uusi.kayttaja",
        "password": "pitka-salasana-123",
        "role": "handler",
        "language": "fi",
    }
    assert (await admin.post_form("/staff/users", new_user, csrf=False))[0] == 403
    forged = {**new_user, "csrf_token": "forged"}
    assert (await admin.request("POST", "/staff/users", data=forged))[0] == 403
    status, _, body = await admin.request(
        "POST", "/staff/users", data=new_user, headers={"X-CSRF-Token": "forged"}
    )
    assert status == 403 and TEXTS["fi"]["csrf_failed"] in body
    with session_scope(portal.engine) as db:
        assert not db.execute(
            select(StaffUser).where(StaffUser.username == "uusi.kayttaja")
        ).first()

    assert (await admin.post_form("/staff/logout", {}, csrf=False))[0] == 403
    assert (await admin.get("/staff"))[0] == 200  # still logged in

    status, headers, _ = await admin.request(
        "POST", "/staff/users", data=new_user, headers={"X-CSRF-Token": admin.csrf}
    )
    assert status == 303
    assert (await browsers().log_in("uusi.kayttaja", new_user["password"]))[0] == 303


async def test_idle_timeout_and_absolute_lifetime(portal, browsers):
    browser = browsers()
    await browser.log_in("reijo.reviewer")
    for _ in range(3):  # activity keeps the session alive past 30 minutes in total
        portal.clock.advance(minutes=29)
        assert (await browser.get("/staff"))[0] == 200
    portal.clock.advance(minutes=30, seconds=1)
    status, headers, _ = await browser.get("/staff/audit?page=2")
    assert redirects_to_login(status, headers) and "expired=1" in headers["Location"]
    status, _, page = await browser.get(headers["Location"])
    assert TEXTS["fi"]["session_expired"] in page
    assert (await browser.get("/api/staff/me"))[0] == 401
    with session_scope(portal.engine) as db:
        assert db.execute(select(func.count()).select_from(StaffSession)).scalar_one() == 0

    await browser.log_in("reijo.reviewer")
    for _ in range(12 * 3):  # active every 20 minutes for 12 hours
        portal.clock.advance(minutes=20)
        assert (await browser.get("/api/staff/me"))[0] == 200
    portal.clock.advance(minutes=1)
    assert (await browser.get("/api/staff/me"))[0] == 401


async def test_logout_ends_the_session_on_the_server(portal, browsers):
    browser = browsers()
    await browser.log_in("hanna.handler")
    stolen = browser.session_cookie()
    status, headers, _ = await browser.post_form("/staff/logout", {})
    assert status == 303 and headers["Location"].startswith("/staff/login?logged_out=1")
    status, _, page = await browser.get(headers["Location"])
    assert TEXTS["sv"]["logged_out"] in page  # hanna's language

    replay = browsers()
    status, _, _ = await replay.get(
        "/api/staff/me", headers={"Cookie": f"{SESSION_COOKIE}={stolen}"}
    )
    assert status == 401


# --- every route -------------------------------------------------------------


def audit_count(portal: Portal) -> int:
    with session_scope(portal.engine) as db:
        return db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def concrete_path(route: web.AbstractRoute) -> str:
    """A path that the route's own pattern matches, placeholders filled in."""
    info = route.resource.get_info()
    if "pattern" not in info:
        return route.resource.canonical
    for value in ("1", "fi", "sv", "x", "abc-123"):
        path = re.sub(r"\{[^}]+\}", value, info["formatter"])
        if info["pattern"].fullmatch(path):
            return path
    raise AssertionError(f"cannot build a path for {info['formatter']}")


def protected_routes(app: web.Application) -> list[tuple[web.AbstractRoute, frozenset[str]]]:
    declared = {(r.method, r.path): r for r in staff_routes(app)}
    found = []
    for route in app.router.routes():
        if route.resource is None:
            continue
        entry = declared.get((route.method, route.resource.canonical))
        if entry is not None and not entry.public:
            found.append((route, entry.roles))
    return found


async def test_every_staff_route_needs_a_session(portal, browsers):
    app = portal.app
    staff_paths = [r for r in app.router.routes() if r.resource and "staff" in r.resource.canonical]
    public = {(r.method, r.path) for r in staff_routes(app) if r.public}
    assert public == PUBLIC_ROUTES
    # Every route under the staff paths declares roles or is public (the app
    # would not even start otherwise); none slipped out of the registry.
    assert all(
        route_roles(r.handler) or (r.method, r.resource.canonical) in public for r in staff_paths
    )
    routes = protected_routes(app)
    assert len(routes) >= 12

    stranger = browsers()
    for route, _roles in routes:
        path = concrete_path(route)
        status, headers, _ = await stranger.request(route.method, path)
        if path.startswith("/api/"):
            assert status == 401, (route.method, path, status)
        else:
            assert redirects_to_login(status, headers), (route.method, path, status)
    # No route map for strangers: unknown staff paths look the same.
    status, headers, _ = await stranger.get("/staff/no-such-page")
    assert redirects_to_login(status, headers)


async def test_every_change_without_the_csrf_token_is_refused(portal, browsers):
    """Every POST, PUT, PATCH and DELETE route, as an admin who may call it, without a token."""
    admin = browsers()
    await admin.log_in("alma.admin")
    before = audit_count(portal)
    unsafe = [
        route
        for route, roles in protected_routes(portal.app)
        if route.method not in ("GET", "HEAD") and ADMIN in roles
    ]
    assert len(unsafe) >= 8
    for route in unsafe:
        status, _, _ = await admin.request(route.method, concrete_path(route), data={"x": "1"})
        assert status == 403, (route.method, concrete_path(route), status)
    assert (await admin.get("/staff"))[0] == 200  # still logged in: logout was refused too
    assert audit_count(portal) == before  # and nothing was changed


async def test_reviewer_cannot_do_what_handlers_or_admins_do(portal, browsers):
    reviewer = browsers()
    await reviewer.log_in("reijo.reviewer")
    checked_denied = checked_allowed = 0
    for route, roles in protected_routes(portal.app):
        if REVIEWER in roles and route.method not in ("GET", "HEAD"):
            continue  # allowed changes (e.g. logout) would change what follows
        path = concrete_path(route)
        status, _, _ = await reviewer.request(
            route.method, path, headers={"X-CSRF-Token": reviewer.csrf}
        )
        if REVIEWER not in roles:
            assert status == 403, (route.method, path, status)
            checked_denied += 1
        else:
            # A made-up id in the path may name nothing: 404 is an allowed answer too.
            expected = (200, 404) if "{" in route.resource.canonical else (200,)
            assert status in expected, (route.method, path, status)
            checked_allowed += 1
    assert checked_denied >= 6 and checked_allowed >= 2
    assert (await reviewer.get("/staff/no-such-page"))[0] == 404


@require_role(HANDLER)
async def handler_only_probe(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def undeclared_probe(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def test_routes_added_later_are_covered_by_the_same_rules(portal_settings):
    """Routes that other modules add (callback queue, review, analytics) get the
    same checks; a staff route that declares no roles stops the app."""
    later = [
        web.get("/staff/callbacks", handler_only_probe),
        web.post("/api/staff/callbacks/{callback_id}/done", handler_only_probe),
    ]
    portal = await start_portal(portal_settings, StaffPolicy(clock=Clock()), later)
    reviewer, handler, stranger = portal.browser(), portal.browser(), portal.browser()
    try:
        await reviewer.log_in("reijo.reviewer")
        await handler.log_in("hanna.handler")
        csrf_headers = {"X-CSRF-Token": reviewer.csrf}
        assert (await reviewer.get("/staff/callbacks"))[0] == 403
        assert (
            await reviewer.request("POST", "/api/staff/callbacks/7/done", headers=csrf_headers)
        )[0] == 403
        assert (await handler.get("/staff/callbacks"))[0] == 200
        status, _, _ = await handler.request(
            "POST", "/api/staff/callbacks/7/done", headers={"X-CSRF-Token": handler.csrf}
        )
        assert status == 200
        assert (await stranger.request("POST", "/api/staff/callbacks/7/done"))[0] == 401
        # The dashboard links to the new section for the roles that may open it.
        assert 'href="/staff/callbacks"' in (await handler.get("/staff"))[2]
        assert 'href="/staff/callbacks"' not in (await reviewer.get("/staff"))[2]
    finally:
        for browser in (reviewer, handler, stranger):
            await browser.close()
        await portal.server.close()

    broken = create_app(portal_settings)
    broken.router.add_get("/staff/forgotten", undeclared_probe)
    server = TestServer(broken)
    with pytest.raises(RuntimeError, match="/staff/forgotten"):
        await server.start_server()
    await server.close()


# --- audit log, user admin, languages -------------------------------------------


async def test_audit_page_lists_who_did_what_escaped_and_paginated(portal, browsers):
    admin = browsers()
    await admin.log_in("alma.admin")
    handler_id = user_row(portal, "hanna.handler").id
    with session_scope(portal.engine) as db:
        record(db, handler_id, "view", "callback_request", 42, "<script>alert(1)</script>")
        for n in range(2 * PER_PAGE):
            record(db, handler_id, "view", "conversation", f"conv-{n}")
    status, _, page = await admin.get("/staff/audit")
    assert status == 200
    assert "hanna.handler" in page and "conversation conv-" in page
    assert "Sivu 1/3" in page and 'href="/staff/audit?page=2"' in page

    status, _, last = await admin.get("/staff/audit?page=999")
    assert status == 200 and "Sivu 3/3" in last
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in last and "<script>alert" not in last
    assert "alma.admin" in last and "login" in last  # the login itself is logged

    status, _, filtered = await admin.get(
        "/staff/audit?object_type=callback_request&object_id=42&page=abc"
    )
    assert status == 200 and "Sivu" not in filtered and "callback_request 42" in filtered
    assert "conversation conv-" not in filtered


async def test_admin_creates_users_and_bad_input_is_explained(portal, browsers):
    admin = browsers()
    await admin.log_in("alma.admin")
    form = {"username": "Sanna.S", "password": "lyhyt", "role": "reviewer", "language": "sv"}
    status, _, page = await admin.post_form("/staff/users", form)
    assert status == 400 and TEXTS["fi"]["password_too_short"] in page
    bad_name = {**form, "username": "<b>x</b>", "password": "riittävän-pitkä-salasana"}
    status, _, page = await admin.post_form("/staff/users", bad_name)
    assert status == 400 and "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    taken = {**form, "username": "alma.admin", "password": "riittävän-pitkä-salasana"}
    status, _, page = await admin.post_form("/staff/users", taken)
    assert status == 400 and TEXTS["fi"]["username_taken"] in page
    status, _, _ = await admin.post_form("/staff/users", {**form, "role": "superuser"})
    assert status == 400

    good = {**form, "password": "riittävän-pitkä-salasana"}
    status, headers, _ = await admin.post_form("/staff/users", good)
    assert status == 303
    status, _, page = await admin.get(headers["Location"])
    assert TEXTS["fi"]["user_created"].format(username="sanna.s") in page
    sanna = browsers()
    assert (await sanna.log_in("sanna.s", good["password"]))[0] == 303
    status, _, page = await sanna.get("/staff")
    assert '<html lang="sv">' in page and TEXTS["sv"]["dashboard_title"] in page


async def test_language_of_login_page_and_user_choice(portal, browsers):
    browser = browsers()
    status, _, page = await browser.get("/staff/login?lang=sv")
    assert status == 200 and '<html lang="sv">' in page and TEXTS["sv"]["password"] in page
    assert '<label for="username">' in page and '<label for="password">' in page
    await browser.log_in("reijo.reviewer")
    assert TEXTS["fi"]["dashboard_title"] in (await browser.get("/staff"))[2]
    status, headers, _ = await browser.post_form(
        "/staff/language", {"language": "sv", "next": "/staff"}
    )
    assert status == 303 and headers["Location"] == "/staff"
    status, _, page = await browser.get("/staff")
    assert '<html lang="sv">' in page and TEXTS["sv"]["role_reviewer"] in page
    assert user_row(portal, "reijo.reviewer").ui_language == "sv"
    assert (await browser.post_form("/staff/language", {"language": "en"}))[0] == 303
    assert user_row(portal, "reijo.reviewer").ui_language == "fi"  # unknown -> default


def test_texts_exist_in_both_languages() -> None:
    assert TEXTS["fi"].keys() == TEXTS["sv"].keys()
    for language, texts in TEXTS.items():
        for key, value in texts.items():
            assert value.strip(), (language, key)
            placeholders = set(re.findall(r"\{(\w+)\}", value))
            assert placeholders == set(re.findall(r"\{(\w+)\}", TEXTS["fi"][key])), key


# --- command line ------------------------------------------------------------


async def test_demo_admin_and_create_user_command(tmp_path, monkeypatch, capsys):
    # Settings read the environment when made: the CLI below sees the same database.
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    settings = Settings(var_dir=tmp_path / "var")
    engine = engine_for(settings.database_url)
    init_db(engine)
    with session_scope(engine) as db:
        password = ensure_demo_admin(db, settings.var_dir)
    assert password and len(password) >= 12
    saved = settings.var_dir / DEMO_ADMIN_FILE
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert f"password: {password}" in saved.read_text()
    with session_scope(engine) as db:
        assert ensure_demo_admin(db, settings.var_dir) is None  # accounts exist

    monkeypatch.setenv("NEUVO_VAR_DIR", str(settings.var_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO("komentorivin-salasana-1\n"))
    assert neuvo(["create-user", "Kalle.K", "--role", "handler", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("lyhyt\n"))
    assert neuvo(["create-user", "ville", "--role", "handler", "--password-stdin"]) == 1
    output = capsys.readouterr()
    assert "Created handler kalle.k" in output.out and "Not created" in output.err
    assert "komentorivin-salasana" not in output.out + output.err

    portal = await start_portal(settings, StaffPolicy(clock=Clock()))
    browser = portal.browser()
    try:
        assert (await browser.log_in(DEMO_ADMIN, password))[0] == 303
        assert (await browser.get("/staff/users"))[0] == 200
        assert (await browser.log_in("kalle.k", "komentorivin-salasana-1"))[0] == 303
        assert (await browser.get("/staff/users"))[0] == 403
    finally:
        await browser.close()
        await portal.server.close()
