"""Tables of conversation review: review state per conversation, intent corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.db import Base, utcnow

MAX_TAGS = 20
MAX_TAG_CHARS = 40
MAX_NOTE_CHARS = 4000


class ReviewState(Base):
    """A reviewer's verdict on one conversation (Rasa's sender id)."""

    __tablename__ = "review_states"

    conversation_id: str = Column(String(255), primary_key=True)
    reviewed: bool = Column(Boolean, nullable=False, default=False)
    reviewed_by: int | None = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    reviewed_at: datetime | None = Column(DateTime, nullable=True)
    tags: list[str] = Column(JSON, nullable=False, default=list)
    note: str = Column(Text, nullable=False, default="")
    updated_at: datetime = Column(DateTime, nullable=False, default=utcnow)


class IntentCorrection(Base):
    """The intent a resident's message should have had, as training data to be.

    `text` is stored redacted: the exports built from this table go into the
    repository's training data.
    """

    __tablename__ = "intent_corrections"
    __table_args__ = (
        # One correction per message: correcting again replaces it.
        UniqueConstraint("conversation_id", "event_id", name="uq_intent_correction_message"),
        CheckConstraint("language IN ('fi', 'sv')", name="ck_intent_correction_language"),
    )

    id: int = Column(Integer, primary_key=True)
    conversation_id: str = Column(String(255), nullable=False, index=True)
    # The message's event in the tracker store (id and Rasa's timestamp).
    event_id: int = Column(Integer, nullable=False)
    event_timestamp: float = Column(Float, nullable=False)
    text: str = Column(Text, nullable=False)
    original_intent: str = Column(String(255), nullable=False)
    corrected_intent: str = Column(String(255), nullable=False)
    language: str = Column(String(2), nullable=False)
    corrected_by: int | None = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    corrected_at: datetime = Column(DateTime, nullable=False, default=utcnow)
