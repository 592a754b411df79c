"""Reading Rasa's SQL tracker store (the `events` table) with SQLAlchemy Core.

The table definition matches rasa.core.tracker_store.SQLTrackerStore.SQLEvent,
so the same queries work when the tracker store moves from SQLite to
PostgreSQL. This module only reads: Rasa owns the table.

NEUVO_TRACKER_URL  the tracker store's database URL (default: SQLite file
                   var/tracker.db, the run command's tracker store)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Engine

from bot.settings import Settings

# Rasa's fallback intent and the actions that answer "I did not understand".
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = ("action_two_stage_fallback", "action_default_fallback")
LANGUAGE_SLOT = "language"
# Bound parameters per IN list: well under SQLite's and PostgreSQL's limits.
CHUNK = 500

metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class TrackerEvent:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    data: dict


def tracker_url(settings: Settings) -> str:
    return os.environ.get("NEUVO_TRACKER_URL", f"sqlite:///{settings.tracker_db}")


def _has_events(engine: Engine) -> bool:
    # Before Rasa's first start the table does not exist: no conversations yet.
    return inspect(engine).has_table("events")


def _decoded(row) -> TrackerEvent:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        data = {}
    return TrackerEvent(
        id=row.id,
        sender_id=row.sender_id,
        type_name=row.type_name,
        timestamp=row.timestamp or 0.0,
        data=data if isinstance(data, dict) else {},
    )


def conversations_started_between(engine: Engine, start: float, end: float) -> list[str]:
    """Sender ids whose first resident message falls in [start, end) (unix seconds)."""
    if not _has_events(engine):
        return []
    first_message = func.min(events.c.timestamp)
    query = (
        select(events.c.sender_id)
        .where(events.c.type_name == "user")
        .group_by(events.c.sender_id)
        .having(and_(first_message >= start, first_message < end))
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


# What the list and the analytics need; the transcript reads everything.
_SUMMARY_EVENTS = or_(
    events.c.type_name.in_(("user", "bot")),
    and_(events.c.type_name == "slot", events.c.action_name == LANGUAGE_SLOT),
    and_(events.c.type_name == "action", events.c.action_name.in_(FALLBACK_ACTIONS)),
)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def read_events(
    engine: Engine, sender_ids: Iterable[str], everything: bool = False
) -> list[TrackerEvent]:
    """The senders' events in the order Rasa stored them.

    Without `everything`, only resident and bot messages, language changes and
    fallback actions: what conversation summaries are made of.
    """
    wanted = list(dict.fromkeys(sender_ids))
    if not wanted or not _has_events(engine):
        return []
    found: list[TrackerEvent] = []
    with engine.connect() as connection:
        for chunk in _chunks(wanted):
            query = select(events).where(events.c.sender_id.in_(chunk))
            if not everything:
                query = query.where(_SUMMARY_EVENTS)
            found += [_decoded(row) for row in connection.execute(query)]
    return sorted(found, key=lambda event: event.id)
