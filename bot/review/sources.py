"""Loading what the review and analytics pages show: conversations from the
tracker store, feedback and callback requests from the application database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.models import Feedback
from bot.review.period import Period
from bot.review.tracker import conversations_started_between, read_events
from bot.review.transcripts import Conversation, build_conversations

# The handler's call attempts (bot.callbacks.service): reached or not.
CALL_ATTEMPTS = ("completed", "no_answer")


@dataclass(frozen=True)
class FeedbackRecord:
    conversation_id: str
    rating: str  # "up" or "down"
    created_at: datetime  # naive UTC


@dataclass(frozen=True)
class CallbackRecord:
    created_at: datetime  # naive UTC, as stored
    due_at: datetime
    state: str
    first_attempt_at: datetime | None


def latest_ratings(feedback: Iterable[FeedbackRecord]) -> dict[str, str]:
    """conversation id -> its latest rating: a resident may change their mind."""
    latest: dict[str, str] = {}
    for record in sorted(feedback, key=lambda r: r.created_at):
        latest[record.conversation_id] = record.rating
    return latest


def load_conversations(tracker: Engine, period: Period) -> list[Conversation]:
    """Conversations whose first resident message falls in the period, newest first."""
    start, end = period.timestamps()
    return build_conversations(
        read_events(tracker, conversations_started_between(tracker, start, end))
    )


def load_conversation(tracker: Engine, conversation_id: str) -> Conversation | None:
    found = build_conversations(read_events(tracker, [conversation_id], everything=True))
    return found[0] if found else None


def load_feedback(app: Engine, conversation_ids: Iterable[str]) -> list[FeedbackRecord]:
    wanted = list(conversation_ids)
    records: list[FeedbackRecord] = []
    with session_scope(app) as db:
        for start in range(0, len(wanted), 500):
            query = select(Feedback.conversation_id, Feedback.rating, Feedback.created_at).where(
                Feedback.conversation_id.in_(wanted[start : start + 500])
            )
            records += [FeedbackRecord(*row) for row in db.execute(query)]
    return records


def load_callbacks(app: Engine, period: Period) -> list[CallbackRecord]:
    """Callback requests made in the period, with their first call attempt.

    Imported here, not at the top: the callback tables belong to another
    part of the platform, and analytics must work (showing "—") without them.
    """
    try:
        from bot.callbacks.models import CallbackEvent, CallbackRequest
    except ImportError:
        return []
    first, after = (moment.replace(tzinfo=None) for moment in period.bounds())
    first_attempt = (
        select(CallbackEvent.request_id, func.min(CallbackEvent.at).label("at"))
        .where(CallbackEvent.action.in_(CALL_ATTEMPTS))
        .group_by(CallbackEvent.request_id)
        .subquery()
    )
    query = (
        select(
            CallbackRequest.created_at,
            CallbackRequest.due_at,
            CallbackRequest.state,
            first_attempt.c.at,
        )
        .outerjoin(first_attempt, first_attempt.c.request_id == CallbackRequest.id)
        .where(CallbackRequest.created_at >= first, CallbackRequest.created_at < after)
    )
    with session_scope(app) as db:
        return [CallbackRecord(*row) for row in db.execute(query)]
