"""Server-side login sessions: the browser holds a random token, the database
its SHA-256, the user and a CSRF token. Sessions end after an idle period and
after an absolute lifetime."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.staff.models import StaffSession, StaffUser
from bot.staff.policy import StaffPolicy

MAX_TOKEN_CHARS = 128


@dataclass(frozen=True)
class StaffIdentity:
    """The logged-in user of one request (a snapshot, not a database row)."""

    id: int
    username: str
    role: str
    language: str
    session_id: int
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(session: Session, user_id: int, now: datetime) -> str:
    """Stores a new session; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def is_expired(row: StaffSession, policy: StaffPolicy, now: datetime) -> bool:
    return (
        now - row.last_seen_at > policy.idle_timeout
        or now - row.created_at > policy.session_lifetime
    )


def resume_session(
    session: Session, token: str, policy: StaffPolicy
) -> tuple[StaffIdentity | None, bool]:
    """(identity, expired): the session's user, and whether the token named a
    session that has now timed out. A valid session's idle clock restarts."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None, False
    row = session.execute(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is None:
        return None, False
    now = policy.clock()
    user = session.get(StaffUser, row.user_id)
    if is_expired(row, policy, now) or user is None or not user.active:
        session.delete(row)
        return None, True
    row.last_seen_at = now
    identity = StaffIdentity(
        id=user.id,
        username=user.username,
        role=user.role,
        language=user.ui_language,
        session_id=row.id,
        csrf_token=row.csrf_token,
    )
    return identity, False


def end_session(session: Session, session_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def end_expired_sessions(session: Session, policy: StaffPolicy) -> int:
    now = policy.clock()
    result = session.execute(
        delete(StaffSession).where(
            or_(
                StaffSession.last_seen_at < now - policy.idle_timeout,
                StaffSession.created_at < now - policy.session_lifetime,
            )
        )
    )
    return result.rowcount
