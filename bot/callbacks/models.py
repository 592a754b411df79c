"""Callback requests and their history (who did what, when)."""

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
    text,
)
from sqlalchemy.orm import relationship

from bot.callbacks.wording import expected_time_text
from bot.db import Base, utcnow
from bot.schedule import CallbackPromise
from bot.storedtime import from_stored

STATES = ("new", "claimed", "done", "no_answer", "cancelled")
OPEN_STATES = ("new", "claimed", "no_answer")
OPEN_CONDITION = f"state IN {OPEN_STATES}"
PREFERRED_TIMES = ("asap", "today", "tomorrow_morning", "tomorrow_afternoon", "any")
CALL_LANGUAGES = ("fi", "sv")
PROMISE_KINDS = ("today", "next_working_day", "by_date")
MAX_TOPIC_CHARS = 500
MAX_NAME_CHARS = 80


class CallbackRequest(Base):
    __tablename__ = "callback_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES}", name="ck_callback_state"),
        CheckConstraint(f"preferred_time IN {PREFERRED_TIMES}", name="ck_callback_time"),
        CheckConstraint(f"call_language IN {CALL_LANGUAGES}", name="ck_callback_language"),
        CheckConstraint(f"promise_kind IN {PROMISE_KINDS}", name="ck_callback_promise"),
        # The staff queue: open requests by due time.
        Index("ix_callback_queue", "state", "due_at"),
        # One open request per content: the same request sent twice is stored
        # once, while a cancelled or handled one leaves room for a new one.
        Index(
            "uq_callback_open_request",
            "idempotency_key",
            unique=True,
            sqlite_where=text(OPEN_CONDITION),
            postgresql_where=text(OPEN_CONDITION),
        ),
    )

    id: int = Column(Integer, primary_key=True)
    reference: str = Column(String(7), nullable=False, unique=True)
    # A hash of the conversation and the request's content: the same request
    # sent twice (a double click, a retried action) is stored once while it
    # is open (uq_callback_open_request above).
    idempotency_key: str = Column(String(64), nullable=False)
    conversation_id: str = Column(String(255), nullable=False, index=True)
    need: str = Column(String(40), nullable=False)
    # The resident's own words; identity codes are redacted before this point.
    topic: str = Column(String(MAX_TOPIC_CHARS), nullable=False, default="")
    phone: str = Column(String(20), nullable=False)  # E.164
    name: str | None = Column(String(MAX_NAME_CHARS), nullable=True)
    call_language: str = Column(String(2), nullable=False)
    preferred_time: str = Column(String(20), nullable=False, default="any")
    urgent: bool = Column(Boolean, nullable=False, default=False)
    service_id: str | None = Column(
        ForeignKey("services.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The unit's callback channel: whose queue the request is in.
    channel_id: str | None = Column(
        ForeignKey("channels.id", ondelete="SET NULL"), nullable=True, index=True
    )
    consent_at: datetime = Column(DateTime, nullable=False)
    created_at: datetime = Column(DateTime, nullable=False, default=utcnow)
    # The promise made to the resident: a call between due_from and due_at.
    due_from: datetime = Column(DateTime, nullable=False)
    due_at: datetime = Column(DateTime, nullable=False)
    promise_kind: str = Column(String(20), nullable=False)
    state: str = Column(String(12), nullable=False, default="new")
    attempts: int = Column(Integer, nullable=False, default=0)
    next_try_at: datetime | None = Column(DateTime, nullable=True)
    claimed_by: str | None = Column(String(64), nullable=True)
    closed_at: datetime | None = Column(DateTime, nullable=True)

    events = relationship(
        "CallbackEvent",
        back_populates="request",
        order_by="CallbackEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def promise(self) -> CallbackPromise:
        return CallbackPromise(
            from_stored(self.due_from), from_stored(self.due_at), self.promise_kind
        )

    def expected_text(self, language: str, now: datetime | None = None) -> str:
        """When the call comes, in words: "tänään klo 16 mennessä"."""
        return expected_time_text(self.promise, language, now)


class CallbackEvent(Base):
    """One step in a request's life: submitted, claimed, no answer, done, ..."""

    __tablename__ = "callback_events"

    id: int = Column(Integer, primary_key=True)
    request_id: int = Column(
        ForeignKey("callback_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: datetime = Column(DateTime, nullable=False, default=utcnow)
    # "resident", "system" or the staff user's id.
    actor: str = Column(String(64), nullable=False)
    action: str = Column(String(32), nullable=False)
    note: str = Column(Text, nullable=False, default="")

    request = relationship("CallbackRequest", back_populates="events")
