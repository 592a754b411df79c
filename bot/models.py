"""Tables of the application database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Integer, String, Text

from bot.db import Base, utcnow


class Feedback(Base):
    """A resident's thumbs up or down, with an optional comment, per conversation."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),)

    id: int = Column(Integer, primary_key=True)
    # Rasa's sender id: the key of the conversation in the tracker store.
    conversation_id: str = Column(String(255), nullable=False, index=True)
    rating: str = Column(String(4), nullable=False)
    comment: str | None = Column(Text, nullable=True)
    language: str | None = Column(String(2), nullable=True)
    created_at: datetime = Column(DateTime, nullable=False, default=utcnow)
