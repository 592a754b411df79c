"""How long residents' data is kept, and deleting it (docs/privacy.md).

NEUVO_RETENTION_CONVERSATION_DAYS=90  a conversation, this long after its last event
NEUVO_RETENTION_CALLBACK_DAYS=30      a callback request, this long after it was closed
NEUVO_RETENTION_DRAFT_HOURS=24        the phone number of an unfinished callback form

What belongs to a conversation goes with it: its events in Rasa's tracker
store, the resident's feedback, a waiting phone number, the reviewers' marks
and intent corrections. Submitted callback requests do not: staff still have
to call, and they are deleted by their own period once closed. Appointment
bookings hold no contact details and stay with the appointment calendar.

`purge` applies the periods (the `neuvo purge` command and the web app's
hourly job, bot/web/retention_job.py); `delete_conversation` is the
resident's "delete my conversation" and the admin's delete button. Times come
from bot.clock, so tests can move "now".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot import clock
from bot.callbacks.models import CallbackRequest
from bot.callbacks.phone_drafts import PhoneDraft
from bot.db import engine_for, session_scope
from bot.models import Feedback
from bot.review.models import IntentCorrection, ReviewState
from bot.review.tracker import events
from bot.settings import Settings
from bot.storedtime import to_stored

# Sender ids per DELETE ... IN (...): well under SQLite's and PostgreSQL's limits.
CHUNK = 500
CLOSED_STATES = ("done", "cancelled")


def _days(name: str, default: float) -> timedelta:
    return timedelta(days=float(os.environ.get(name, default)))


@dataclass(frozen=True)
class RetentionPolicy:
    conversations: timedelta = field(
        default_factory=lambda: _days("NEUVO_RETENTION_CONVERSATION_DAYS", 90)
    )
    closed_callbacks: timedelta = field(
        default_factory=lambda: _days("NEUVO_RETENTION_CALLBACK_DAYS", 30)
    )
    phone_drafts: timedelta = field(
        default_factory=lambda: timedelta(
            hours=float(os.environ.get("NEUVO_RETENTION_DRAFT_HOURS", 24))
        )
    )


@dataclass
class Deleted:
    """What was deleted, row counts by kind."""

    conversations: int = 0
    events: int = 0
    feedback: int = 0
    phone_drafts: int = 0
    reviews: int = 0
    intent_corrections: int = 0
    callback_requests: int = 0

    def add(self, other: Deleted) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def summary(self) -> str:
        return ", ".join(f"{getattr(self, item.name)} {item.name}" for item in fields(self))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _has_events(bind: Engine | Connection) -> bool:
    # Before Rasa's first start the table does not exist.
    return inspect(bind).has_table(events.name)


def _delete_events(connection: Connection, sender_ids: list[str]) -> int:
    if not _has_events(connection):
        return 0
    removed = 0
    for chunk in _chunks(sender_ids):
        removed += connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount
    return removed


def _delete_owned_rows(session: Session, conversation_ids: list[str]) -> Deleted:
    """Feedback, waiting phone numbers and review data of the conversations."""
    deleted = Deleted()
    for chunk in _chunks(conversation_ids):
        deleted.feedback += session.execute(
            delete(Feedback).where(Feedback.conversation_id.in_(chunk))
        ).rowcount
        deleted.phone_drafts += session.execute(
            delete(PhoneDraft).where(PhoneDraft.conversation_id.in_(chunk))
        ).rowcount
        deleted.reviews += session.execute(
            delete(ReviewState).where(ReviewState.conversation_id.in_(chunk))
        ).rowcount
        deleted.intent_corrections += session.execute(
            delete(IntentCorrection).where(IntentCorrection.conversation_id.in_(chunk))
        ).rowcount
    return deleted


# Called inside the deletion's transaction of the application database, after
# every row is deleted and before anything commits: what it writes (an audit
# entry) commits with the deletion, and if it fails nothing is deleted.
Then = Callable[[Session, Deleted], object]


def _delete_conversations(
    settings: Settings,
    sender_ids: list[str],
    count: Callable[[Deleted], int] = lambda deleted: deleted.conversations,
    then: Then | None = None,
) -> Deleted:
    """The conversations' events and everything the application keeps about them.

    All or nothing: on PostgreSQL the events and the application's tables are
    in one database and the deletion is one transaction. On SQLite the events
    have a file of their own; both transactions stay open until every row
    (and `then`'s audit entry) is written, then the events commit first, as
    they hold the words. An error before that deletes nothing; only a failure
    of the very last commit would leave the application's rows, which the
    next attempt (or the retention purge) deletes.
    """
    deleted = Deleted(conversations=len(sender_ids))
    if not sender_ids:
        return deleted
    application = engine_for(settings.database_url)
    tracker = engine_for(settings.tracker_url)
    with session_scope(application) as session:
        deleted.add(_delete_owned_rows(session, sender_ids))
        if tracker is application:
            deleted.events = _delete_events(session.connection(), sender_ids)
            deleted.conversations = count(deleted)
            if then is not None:
                then(session, deleted)
        else:
            with tracker.begin() as connection:
                deleted.events = _delete_events(connection, sender_ids)
                deleted.conversations = count(deleted)
                if then is not None:
                    then(session, deleted)
                session.flush()
    return deleted


def delete_conversation(settings: Settings, sender_id: str, then: Then | None = None) -> Deleted:
    """Deletes one conversation and what belongs to it (not its submitted callback requests).

    `then(session, deleted)` runs in the same transaction (the admin's audit
    entry); `deleted.conversations` is 0 if the conversation had no events.
    """
    return _delete_conversations(
        settings, [sender_id], lambda deleted: 1 if deleted.events else 0, then
    )


def _idle_conversations(engine: Engine, last_event_before: datetime) -> list[str]:
    if not _has_events(engine):
        return []
    query = (
        select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(func.max(events.c.timestamp) < last_event_before.timestamp())
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _purge_application_rows(session: Session, policy: RetentionPolicy, now: datetime) -> Deleted:
    """Rows past their own period, whatever happened to their conversations."""
    deleted = Deleted()
    deleted.callback_requests = session.execute(
        delete(CallbackRequest).where(
            and_(
                CallbackRequest.state.in_(CLOSED_STATES),
                CallbackRequest.closed_at < to_stored(now - policy.closed_callbacks),
            )
        )
    ).rowcount
    deleted.phone_drafts = session.execute(
        delete(PhoneDraft).where(PhoneDraft.created_at < to_stored(now - policy.phone_drafts))
    ).rowcount
    # Feedback on a conversation that is gone already, or older than any conversation kept.
    deleted.feedback = session.execute(
        delete(Feedback).where(Feedback.created_at < to_stored(now - policy.conversations))
    ).rowcount
    return deleted


def purge(
    settings: Settings, policy: RetentionPolicy | None = None, now: datetime | None = None
) -> Deleted:
    """Deletes everything past its retention period; returns what was deleted."""
    policy = policy or RetentionPolicy()
    moment = now or clock.now()
    idle = _idle_conversations(engine_for(settings.tracker_url), moment - policy.conversations)
    deleted = _delete_conversations(settings, idle)
    with session_scope(engine_for(settings.database_url)) as session:
        deleted.add(_purge_application_rows(session, policy, moment))
    return deleted
