"""Staff accounts: creating, unlocking, choosing the UI language, the demo admin."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.staff.models import ADMIN, LANGUAGES, ROLES, StaffUser
from bot.staff.passwords import hash_password, password_problem

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
DEMO_ADMIN = "admin"
DEMO_ADMIN_FILE = "demo-admin.txt"


class AccountError(ValueError):
    """A rejected account change; `key` names the explanation in bot/staff/texts.py."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.execute(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    ).scalar_one_or_none()


def create_user(
    session: Session, username: str, password: str, role: str, language: str = "fi"
) -> StaffUser:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise AccountError("username_invalid", "username: 2-64 characters, a-z, 0-9 and . _ - only")
    if role not in ROLES:
        raise AccountError("role_invalid", f"role must be one of {', '.join(ROLES)}")
    if language not in LANGUAGES:
        raise AccountError("language_invalid", "language must be fi or sv")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, "password must be 12-1024 characters")
    if find_user(session, username) is not None:
        raise AccountError("username_taken", f"username {username!r} is taken")
    user = StaffUser(
        username=username, password_hash=hash_password(password), role=role, ui_language=language
    )
    session.add(user)
    session.flush()
    return user


def unlock_user(session: Session, user_id: int) -> StaffUser | None:
    user = session.get(StaffUser, user_id)
    if user is not None:
        user.failed_logins = 0
        user.locked_until = None
    return user


def set_language(session: Session, user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError("language_invalid", "language must be fi or sv")
    user = session.get(StaffUser, user_id)
    if user is not None:
        user.ui_language = language


def list_users(session: Session) -> list[StaffUser]:
    return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())


def ensure_demo_admin(session: Session, var_dir: Path) -> str | None:
    """Creates the admin `admin` with a random password when there are no
    accounts at all; returns the password (also written, readable by the owner
    only, to var/demo-admin.txt), or None when accounts exist."""
    if session.execute(select(func.count()).select_from(StaffUser)).scalar_one():
        return None
    password = secrets.token_urlsafe(15)
    create_user(session, DEMO_ADMIN, password, ADMIN)
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / DEMO_ADMIN_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file may have had wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"Staff portal /staff/login\nusername: {DEMO_ADMIN}\npassword: {password}\n")
    return password
