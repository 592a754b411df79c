"""Residents' feedback on a conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.models import Feedback

MAX_COMMENT_CHARS = 2000


def record_rating(engine: Engine, conversation_id: str, rating: str, language: str | None) -> int:
    """Store a thumbs up ("up") or down ("down"); returns the feedback id."""
    if rating not in ("up", "down"):
        raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
    with session_scope(engine) as session:
        feedback = Feedback(conversation_id=conversation_id, rating=rating, language=language)
        session.add(feedback)
        session.flush()
        return feedback.id


def attach_comment(engine: Engine, conversation_id: str, comment: str) -> bool:
    """Attach a comment to the conversation's latest rating. False if there is none."""
    comment = comment.strip()[:MAX_COMMENT_CHARS]
    if not comment:
        return False
    with session_scope(engine) as session:
        latest = session.execute(
            select(Feedback)
            .where(Feedback.conversation_id == conversation_id)
            .order_by(Feedback.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if latest is None:
            return False
        latest.comment = comment
        return True


def feedback_for(engine: Engine, conversation_id: str) -> list[Feedback]:
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(Feedback)
                .where(Feedback.conversation_id == conversation_id)
                .order_by(Feedback.id)
            ).scalars()
        )
