"""The staff cookies: HttpOnly, SameSite=Strict, Secure when the site is on HTTPS."""

from __future__ import annotations

from aiohttp import web

from bot.staff.policy import StaffPolicy

SESSION_COOKIE = "neuvo_staff"
# Before login there is no session to hold a CSRF token: the login form's
# token is also set in this cookie and both must match (double submit).
LOGIN_COOKIE = "neuvo_staff_login"
LOGIN_PATH = "/staff/login"


# Browsers send Secure cookies to http://localhost too, but not to other
# plain-HTTP hosts; a portal opened elsewhere is expected behind HTTPS.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def secure_cookies(request: web.Request, policy: StaffPolicy) -> bool:
    """Secure unless configured off, or the portal is opened on this machine over HTTP."""
    if policy.secure_cookies is not None:
        return policy.secure_cookies
    return request.secure or _hostname(request.host) not in LOOPBACK_HOSTS


def _hostname(host_header: str) -> str:
    """The Host header without its port: "[::1]:8080" -> "::1", "localhost:80" -> "localhost"."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    policy: StaffPolicy,
    path: str = "/",
) -> None:
    # No max-age: the browser forgets the cookie when it closes; the server
    # ends the session after the idle timeout and lifetime anyway.
    secure = secure_cookies(request, policy)
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=secure)


def clear_cookie(response: web.StreamResponse, name: str, path: str = "/") -> None:
    response.del_cookie(name, path=path)
