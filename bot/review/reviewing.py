"""Marking conversations reviewed, tagging them, and correcting intents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.review.models import (
    MAX_NOTE_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    IntentCorrection,
    ReviewState,
)
from bot.review.transcripts import Conversation, Turn

_TAG_SEPARATORS = re.compile(r"[,;\n]")


class CorrectionError(ValueError):
    """A correction that cannot be stored; `key` names the staff text explaining why."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def parse_tags(raw: str) -> list[str]:
    """ "Palaute, väärä kieli ,palaute" -> ["palaute", "väärä kieli"]: trimmed,
    lower case, no duplicates, at most MAX_TAGS of MAX_TAG_CHARS each."""
    tags: list[str] = []
    for part in _TAG_SEPARATORS.split(raw):
        tag = " ".join(part.split()).lower()[:MAX_TAG_CHARS]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def review_states(session: Session, conversation_ids: Iterable[str]) -> dict[str, ReviewState]:
    wanted = list(conversation_ids)
    states: dict[str, ReviewState] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(ReviewState).where(ReviewState.conversation_id.in_(chunk))
        states.update((s.conversation_id, s) for s in session.execute(query).scalars())
    return states


def save_review(
    session: Session,
    conversation_id: str,
    user_id: int,
    reviewed: bool,
    tags: list[str],
    note: str,
    now: datetime,
) -> ReviewState:
    state = session.get(ReviewState, conversation_id)
    if state is None:
        state = ReviewState(conversation_id=conversation_id)
        session.add(state)
    if reviewed and not state.reviewed:
        state.reviewed_by, state.reviewed_at = user_id, now
    elif not reviewed:
        state.reviewed_by, state.reviewed_at = None, None
    state.reviewed = reviewed
    state.tags = tags[:MAX_TAGS]
    state.note = note.strip()[:MAX_NOTE_CHARS]
    state.updated_at = now
    return state


def _correctable(conversation: Conversation, event_id: int) -> Turn:
    turn = conversation.turn(event_id)
    if turn is None:
        raise CorrectionError("correction_unknown_message")
    if turn.is_button or not turn.text.strip():
        raise CorrectionError("correction_not_text")
    return turn


def correct_intent(
    session: Session,
    conversation: Conversation,
    event_id: int,
    intent: str,
    known_intents: Iterable[str],
    user_id: int,
    now: datetime,
) -> IntentCorrection:
    """Stores (or replaces) the correct intent of one resident message.

    The message's language (Turn.language) decides whether the example goes
    to data/nlu_fi or data/nlu_sv.
    """
    if intent not in set(known_intents):
        raise CorrectionError("correction_unknown_intent")
    turn = _correctable(conversation, event_id)
    correction = session.execute(
        select(IntentCorrection).where(
            IntentCorrection.conversation_id == conversation.id,
            IntentCorrection.event_id == event_id,
        )
    ).scalar_one_or_none()
    if correction is None:
        correction = IntentCorrection(conversation_id=conversation.id, event_id=event_id)
        session.add(correction)
    correction.event_timestamp = turn.at.timestamp()
    correction.text = turn.text
    correction.original_intent = turn.intent
    correction.corrected_intent = intent
    correction.language = turn.language
    correction.corrected_by = user_id
    correction.corrected_at = now
    session.flush()
    return correction


def corrections_of(session: Session, conversation_id: str) -> dict[int, IntentCorrection]:
    query = select(IntentCorrection).where(IntentCorrection.conversation_id == conversation_id)
    return {c.event_id: c for c in session.execute(query).scalars()}


def all_corrections(session: Session, language: str | None = None) -> list[IntentCorrection]:
    query = select(IntentCorrection).order_by(
        IntentCorrection.corrected_at.desc(), IntentCorrection.id.desc()
    )
    if language is not None:
        query = query.where(IntentCorrection.language == language)
    return list(session.execute(query).scalars())


def remove_correction(session: Session, correction_id: int) -> IntentCorrection | None:
    correction = session.get(IntentCorrection, correction_id)
    if correction is not None:
        session.delete(correction)
    return correction
