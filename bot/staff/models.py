"""Tables of the staff portal: accounts, server-side sessions, audit log, login failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from bot.db import Base, utcnow

HANDLER = "handler"  # handles residents' callback requests
REVIEWER = "reviewer"  # reviews conversations to improve the assistant
ADMIN = "admin"  # manages accounts and reads the audit log
ROLES = (HANDLER, REVIEWER, ADMIN)
LANGUAGES = ("fi", "sv")


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('handler', 'reviewer', 'admin')", name="ck_staff_users_role"),
        CheckConstraint("ui_language IN ('fi', 'sv')", name="ck_staff_users_language"),
    )

    id: int = Column(Integer, primary_key=True)
    username: str = Column(String(64), nullable=False, unique=True)
    password_hash: str = Column(String(255), nullable=False)
    role: str = Column(String(16), nullable=False)
    ui_language: str = Column(String(2), nullable=False, default="fi")
    active: bool = Column(Boolean, nullable=False, default=True)
    # Consecutive failed logins since the last success or lockout.
    failed_logins: int = Column(Integer, nullable=False, default=0)
    locked_until: datetime | None = Column(DateTime, nullable=True)
    created_at: datetime = Column(DateTime, nullable=False, default=utcnow)
    last_login_at: datetime | None = Column(DateTime, nullable=True)


class StaffSession(Base):
    """A logged-in browser. Only the token's SHA-256 is stored, so a copy of
    the database does not let anyone take over a session."""

    __tablename__ = "staff_sessions"

    id: int = Column(Integer, primary_key=True)
    token_hash: str = Column(String(64), nullable=False, unique=True)
    user_id: int = Column(
        Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: str = Column(String(64), nullable=False)
    created_at: datetime = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at: datetime = Column(DateTime, nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who did what to which record, and when (e.g. viewed a callback request)."""

    __tablename__ = "staff_audit_log"
    __table_args__ = (Index("ix_staff_audit_object", "object_type", "object_id"),)

    id: int = Column(Integer, primary_key=True)
    at: datetime = Column(DateTime, nullable=False, default=utcnow, index=True)
    # No cascade: the log must outlive changes to accounts (accounts are
    # deactivated, never deleted).
    user_id: int | None = Column(Integer, ForeignKey("staff_users.id"), nullable=True, index=True)
    action: str = Column(String(64), nullable=False)
    object_type: str = Column(String(64), nullable=False, default="")
    object_id: str = Column(String(255), nullable=False, default="")
    detail: str = Column(Text, nullable=False, default="")


class LoginFailure(Base):
    """One failed login, for throttling per client address and per username.

    The username is stored only as a hash: people sometimes type their
    password into the username field.
    """

    __tablename__ = "staff_login_failures"

    id: int = Column(Integer, primary_key=True)
    at: datetime = Column(DateTime, nullable=False, default=utcnow, index=True)
    client_ip: str = Column(String(64), nullable=False, index=True)
    username_hash: str = Column(String(64), nullable=False, index=True)
