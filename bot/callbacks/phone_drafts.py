"""The phone number of a callback request that is still being filled in.

Rasa's tracker store keeps only redacted events (bot/tracker.py), and slots
come back from it on every turn, so the number cannot wait in a slot. It waits
here, one row per conversation, until the request is saved (the row is
deleted in the same transaction), the conversation is deleted, or the
retention job removes it (bot/retention.py: a day by default). The slot holds
only a masked form, e.g. "040 *** **67".
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Column, DateTime, String, delete, select
from sqlalchemy.orm import Session

from bot import clock
from bot.callbacks.phones import format_phone
from bot.db import Base
from bot.storedtime import to_stored

# Digits shown of a masked number: the area code's and the last two.
_SHOWN_AT_END = 2


class PhoneDraft(Base):
    __tablename__ = "callback_drafts"

    # Rasa's sender id.
    conversation_id: str = Column(String(255), primary_key=True)
    phone: str = Column(String(20), nullable=False)  # E.164
    created_at: datetime = Column(DateTime, nullable=False, index=True)


def keep_phone(
    session: Session, conversation_id: str, phone: str, now: datetime | None = None
) -> None:
    """Remembers the conversation's number (E.164), replacing an earlier one."""
    draft = session.get(PhoneDraft, conversation_id)
    moment = to_stored(now or clock.now())
    if draft is None:
        session.add(PhoneDraft(conversation_id=conversation_id, phone=phone, created_at=moment))
    else:
        draft.phone, draft.created_at = phone, moment
    session.flush()


def phone_of(session: Session, conversation_id: str) -> str | None:
    return session.execute(
        select(PhoneDraft.phone).where(PhoneDraft.conversation_id == conversation_id)
    ).scalar_one_or_none()


def forget_phone(session: Session, conversation_id: str) -> int:
    """Deletes the conversation's number; the number of rows deleted."""
    drafts = delete(PhoneDraft).where(PhoneDraft.conversation_id == conversation_id)
    return session.execute(drafts).rowcount


def masked(phone: str) -> str:
    """'+358401234567' -> '040 *** **67': enough to recognise, not to call."""
    written = format_phone(phone)
    area, _, rest = written.partition(" ")
    if not rest:
        return re.sub(r"\d", "*", written[:-_SHOWN_AT_END]) + written[-_SHOWN_AT_END:]
    hidden = re.sub(r"\d", "*", rest[:-_SHOWN_AT_END])
    return f"{area} {hidden}{rest[-_SHOWN_AT_END:]}"
