"""Logging in, with throttling per username and per client address.

Every attempt costs one Argon2 verification, whether the username exists, is
locked or not, so neither the answer nor its timing tells an attacker which
usernames exist. The password check runs in a worker thread: Argon2 takes
tens of milliseconds of CPU and must not stall other requests.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.staff.accounts import USERNAME_RE, find_user, normalise_username
from bot.staff.models import LoginFailure, StaffUser
from bot.staff.passwords import MAX_LENGTH, spend_verification_time, verify_password
from bot.staff.policy import StaffPolicy
from bot.staff.sessions import create_session


class Outcome(enum.Enum):
    OK = "ok"
    INVALID = "invalid"  # wrong username or password (never says which)
    LOCKED = "locked"  # too many failures for this username
    THROTTLED = "throttled"  # too many failures from this client address


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    user_id: int | None = None
    token: str | None = None  # the new session's cookie value


def _username_hash(username: str) -> str:
    return hashlib.sha256(username.encode()).hexdigest()


def _failures_since(session: Session, since: datetime, **match: str) -> int:
    conditions = [getattr(LoginFailure, column) == value for column, value in match.items()]
    return session.execute(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since, *conditions)
    ).scalar_one()


async def log_in(
    engine: Engine, policy: StaffPolicy, username: str, password: str, client_ip: str
) -> LoginResult:
    now = policy.clock()
    window_start = now - policy.lockout
    name = normalise_username(username)[:64]
    with session_scope(engine) as db:
        if _failures_since(db, window_start, client_ip=client_ip) >= policy.max_failures_per_ip:
            return LoginResult(Outcome.THROTTLED)
        user = find_user(db, name) if USERNAME_RE.match(name) else None
        user_id = user.id if user is not None and user.active else None
        if user_id is None:
            locked = (
                _failures_since(db, window_start, username_hash=_username_hash(name))
                >= policy.max_failures
            )
        else:
            locked = user.locked_until is not None and user.locked_until > now
        stored_hash = user.password_hash if user_id is not None and not locked else None

    loop = asyncio.get_running_loop()
    if stored_hash is None or len(password) > MAX_LENGTH:
        await loop.run_in_executor(None, spend_verification_time, password[:MAX_LENGTH])
        matches, new_hash = False, None
    else:
        matches, new_hash = await loop.run_in_executor(None, verify_password, stored_hash, password)

    with session_scope(engine) as db:
        if matches:
            return _succeed(db, user_id, new_hash, now)
        db.execute(delete(LoginFailure).where(LoginFailure.at <= window_start))
        # Attempts on a locked name count against the address only, so that
        # the lock ends when it should, for known and unknown names alike.
        db.add(
            LoginFailure(
                at=now, client_ip=client_ip, username_hash="" if locked else _username_hash(name)
            )
        )
        if locked:
            return LoginResult(Outcome.LOCKED)
        if user_id is None:
            db.flush()
            recent = _failures_since(db, window_start, username_hash=_username_hash(name))
            return LoginResult(Outcome.LOCKED if recent >= policy.max_failures else Outcome.INVALID)
        return _count_failure(db, user_id, policy, now)


def _succeed(db: Session, user_id: int, new_hash: str | None, now: datetime) -> LoginResult:
    user = db.get(StaffUser, user_id)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if new_hash:
        user.password_hash = new_hash
    return LoginResult(Outcome.OK, user_id, create_session(db, user_id, now))


def _count_failure(db: Session, user_id: int, policy: StaffPolicy, now: datetime) -> LoginResult:
    # One UPDATE, so that parallel attempts cannot lose a count.
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=StaffUser.failed_logins + 1)
    )
    failures = db.execute(
        select(StaffUser.failed_logins).where(StaffUser.id == user_id)
    ).scalar_one()
    if failures < policy.max_failures:
        return LoginResult(Outcome.INVALID, user_id)
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=0, locked_until=now + policy.lockout)
    )
    return LoginResult(Outcome.LOCKED, user_id)
