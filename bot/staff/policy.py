"""Security settings of the staff portal, from environment variables.

NEUVO_SECURE_COOKIES          1: cookies over HTTPS only; 0: also over plain HTTP; unset: HTTPS
                              only unless the portal is opened on this machine (localhost)
NEUVO_STAFF_IDLE_MINUTES=30   log out after this long without a request
NEUVO_STAFF_SESSION_HOURS=12  log out this long after login, however active
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db import utcnow


def _flag(name: str) -> bool | None:
    """True or False when the variable says so; None when it is unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    return value in ("1", "true", "yes", "on")


def _duration(name: str, default: float, unit: str) -> timedelta:
    return timedelta(**{unit: float(os.environ.get(name, default))})


@dataclass(frozen=True)
class StaffPolicy:
    # None: decided per request (bot/staff/cookies.py).
    secure_cookies: bool | None = field(default_factory=lambda: _flag("NEUVO_SECURE_COOKIES"))
    idle_timeout: timedelta = field(
        default_factory=lambda: _duration("NEUVO_STAFF_IDLE_MINUTES", 30, "minutes")
    )
    session_lifetime: timedelta = field(
        default_factory=lambda: _duration("NEUVO_STAFF_SESSION_HOURS", 12, "hours")
    )
    # Per username: this many failures in a row lock the account for `lockout`.
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    # Per client address, over any usernames: generous, offices share addresses.
    max_failures_per_ip: int = 30
    # Naive UTC like everything stored; tests pass their own clock.
    clock: Callable[[], datetime] = utcnow
