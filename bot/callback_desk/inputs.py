"""Checking what staff send: ids, queue filters, notes and the time of the next try.

Every check raises BadInput with a message for API clients (English) and a
text key for the pages (bot.staff.texts), so that bad input is answered with
400 and never reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.callbacks.models import CALL_LANGUAGES, OPEN_STATES, STATES
from bot.clock import FINLAND

MAX_ID = 999_999_999
MAX_NOTE_CHARS = 2000
# A next try further ahead than this is a typing mistake (a wrong year), not a plan.
LATEST_NEXT_TRY = timedelta(days=90)
# How far the appointment calendar can be browsed from today.
CALENDAR_REACH = timedelta(days=366)

OPEN, ALL = "open", "all"
STATE_CHOICES = (OPEN, *STATES, ALL)
URGENCY_CHOICES = ("urgent", "normal")
_ID_RE = re.compile(r"[0-9]{1,9}")
# Catalogue ids: the demo's "demo-oral-health-444-location", PTV's UUIDs.
_UNIT_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Control characters other than line breaks and tabs have no place in a note.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadInput(ValueError):
    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass(frozen=True)
class QueueFilters:
    unit: str | None = None
    urgency: str | None = None  # "urgent", "normal" or None for both
    language: str | None = None
    state: str = OPEN

    @property
    def states(self) -> tuple[str, ...]:
        if self.state == OPEN:
            return OPEN_STATES
        if self.state == ALL:
            return STATES
        return (self.state,)

    @property
    def urgent(self) -> bool | None:
        return None if self.urgency is None else self.urgency == "urgent"

    def as_dict(self) -> dict[str, str]:
        chosen = {
            "unit": self.unit,
            "urgency": self.urgency,
            "language": self.language,
            "state": self.state,
        }
        return {name: value for name, value in chosen.items() if value}


def _choice(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    if value not in choices:
        raise BadInput(f"{name} must be one of: {', '.join(choices)}", f"cb_bad_{name}")
    return value


def parse_filters(query: Mapping[str, str]) -> QueueFilters:
    """Filters from a query string; an empty value means "any"."""
    return QueueFilters(
        unit=parse_unit(query.get("unit", "")),
        urgency=_choice(query, "urgency", URGENCY_CHOICES),
        language=_choice(query, "language", CALL_LANGUAGES),
        state=_choice(query, "state", STATE_CHOICES) or OPEN,
    )


def parse_callback_id(raw: str) -> int:
    if not _ID_RE.fullmatch(raw or "") or int(raw) == 0:
        raise BadInput(f"callback id must be a whole number from 1 to {MAX_ID}", "cb_bad_id")
    return int(raw)


def parse_note(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BadInput("note must be text", "cb_bad_note")
    note = _CONTROL_RE.sub("", raw).strip()
    if len(note) > MAX_NOTE_CHARS:
        raise BadInput(f"note is longer than {MAX_NOTE_CHARS} characters", "cb_note_too_long")
    return note


def parse_next_try(raw: object, now: datetime) -> datetime | None:
    """An ISO time (a datetime-local value is Finnish time) after now, within 90 days."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise BadInput("next_try_at must be an ISO 8601 date and time", "cb_bad_next_try")
    try:
        moment = datetime.fromisoformat(raw.strip())
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=FINLAND)).astimezone(FINLAND)
    except (ValueError, OverflowError):
        raise BadInput("next_try_at must be an ISO 8601 date and time", "cb_bad_next_try") from None
    if not now < moment <= now + LATEST_NEXT_TRY:
        raise BadInput("next_try_at must be in the future, within 90 days", "cb_next_try_range")
    return moment


def parse_day(raw: str, today: date) -> date:
    """A calendar day (YYYY-MM-DD) within a year of today; empty means today."""
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput("date must be YYYY-MM-DD", "appt_bad_day") from None
    if abs(day - today) > CALENDAR_REACH:
        raise BadInput("date must be within a year of today", "appt_bad_day")
    return day


def parse_unit(raw: str) -> str | None:
    unit = raw.strip()
    if not unit:
        return None
    if not _UNIT_RE.fullmatch(unit):
        raise BadInput("unit must be a catalogue id (letters, digits, . _ : -)", "cb_bad_unit")
    return unit
