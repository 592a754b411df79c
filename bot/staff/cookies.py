"""The staff cookies: HttpOnly, SameSite=Strict, Secure when the site is on HTTPS."""

from __future__ import annotations

from aiohttp import web

from bot.staff.policy import StaffPolicy

SESSION_COOKIE = "neuvo_staff"
# Before login there is no session to hold a CSRF token: the login form's
# token is also set in this cookie and both must match (double submit).
LOGIN_COOKIE = "neuvo_staff_login"
LOGIN_PATH = "/staff/login"


def set_cookie(
    response: web.StreamResponse, name: str, value: str, policy: StaffPolicy, path: str = "/"
) -> None:
    # No max-age: the browser forgets the cookie when it closes; the server
    # ends the session after the idle timeout and lifetime anyway.
    response.set_cookie(
        name, value, path=path, httponly=True, samesite="Strict", secure=policy.secure_cookies
    )


def clear_cookie(response: web.StreamResponse, name: str, path: str = "/") -> None:
    response.del_cookie(name, path=path)
