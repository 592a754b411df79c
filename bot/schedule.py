"""Working time in Finland: public holidays, opening hours, promised call times.

Times given to and returned from this module are timezone-aware; days are
local (Europe/Helsinki) calendar days. Public holidays come from the
`holidays` library's Finnish calendar, which (version 0.86) includes
Midsummer Eve and Christmas Eve but not New Year's Eve: offices close early
on New Year's Eve but do not close, so a unit that closes records it in its
`hours_exceptions`.

Targets are counted in working days, not calendar days, because a promise
("we call within three working days") must not expire over a long weekend:

- `target_for(need)`: how soon care should be available (the plans: urgent
  matters the same day, non-urgent care within 7 days = 5 working days, oral
  health within a month = 20 working days, conservatively). Free times are
  searched within this horizon.
- `callback_target_for(need)`: how soon a professional calls back. The call
  is the assessment of the need for care, which the Health Care Act
  (1326/2010, 51 §) requires by the third working day after the contact, so
  it is the care target but never more than 3 working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

import holidays

from bot import clock, timewords
from bot.clock import FINLAND

# Used when a unit has no weekly hours in the catalogue: Mon-Fri 8-16.
DEFAULT_OFFICE_HOURS: list[dict[str, Any]] = [
    {"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "16:00"}
]
# Urgent callbacks made later than this before closing go to the next working day.
DEFAULT_CUTOFF_BEFORE_CLOSE = timedelta(hours=2)
CALLBACK_MAX_WORKING_DAYS = 3
DEFAULT_TARGET_WORKING_DAYS = 5
TARGET_WORKING_DAYS: dict[str, int] = {
    "urgent_care": 0,
    "health_nonurgent": 5,
    "oral_health": 20,
}
# Where "aamupäivä" / "förmiddag" ends and the afternoon begins, and when a
# "morning" starts at a unit open around the clock.
NOON = time(12, 0)
DEFAULT_OFFICE_OPENS = time(8, 0)
# How far ahead to look for a unit's next open day before giving up on its hours.
MAX_DAYS_AHEAD = 60

Interval = tuple[time, time]
PromiseKind = Literal["today", "next_working_day", "by_date"]


@dataclass(frozen=True)
class CallbackPromise:
    """When a professional will call: between earliest and latest (aware times)."""

    earliest: datetime
    latest: datetime
    kind: PromiseKind


def now_local() -> datetime:
    return clock.now()


def target_for(need: str | None) -> int:
    """Working days within which care for the need should be available (0 = today)."""
    return TARGET_WORKING_DAYS.get(need or "", DEFAULT_TARGET_WORKING_DAYS)


def callback_target_for(need: str | None) -> int:
    """Working days within which a non-urgent callback is made."""
    return min(target_for(need), CALLBACK_MAX_WORKING_DAYS)


@lru_cache(maxsize=32)
def _finnish_holidays(year: int) -> frozenset[date]:
    # One frozen set per year: the library's lazily filled dict is not thread-safe.
    return frozenset(holidays.country_holidays("FI", years=year))


def is_holiday(day: date) -> bool:
    return day in _finnish_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Finnish public holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def _parse_time(value: Any) -> time | None:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except (TypeError, ValueError):
        return None


def _interval(entry: dict[str, Any]) -> Interval | None:
    opens, closes = _parse_time(entry.get("open")), _parse_time(entry.get("close"))
    if opens is None or closes is None or closes <= opens:
        return None
    return opens, closes


def opening_intervals(
    channel_hours: list[dict[str, Any]],
    exceptions: list[dict[str, Any]],
    day: date,
    always_open: bool = False,
) -> list[Interval]:
    """When the unit is open on the day, earliest first; [] when closed.

    An exception for the date wins; otherwise public holidays are closed
    unless the channel is always open. Malformed entries are ignored.
    """
    todays = [
        e for e in exceptions or [] if isinstance(e, dict) and e.get("date") == day.isoformat()
    ]
    if todays:
        if any(e.get("closed") for e in todays):
            return []
        return sorted(i for i in map(_interval, todays) if i)
    if always_open:
        return [(time.min, time.max)]
    if is_holiday(day):
        return []
    weekly = [
        e
        for e in channel_hours or []
        if isinstance(e, dict) and day.weekday() in (e.get("days") or [])
    ]
    return sorted(i for i in map(_interval, weekly) if i)


@dataclass(frozen=True)
class OpeningHours:
    """One unit's hours, so that the day arithmetic below takes one argument."""

    weekly: list[dict[str, Any]]
    exceptions: list[dict[str, Any]]
    always_open: bool = False

    def on(self, day: date) -> list[Interval]:
        return opening_intervals(self.weekly, self.exceptions, day, self.always_open)

    def open_days_after(self, day: date) -> list[date]:
        """The unit's open days after the day, up to MAX_DAYS_AHEAD days ahead."""
        later = (day + timedelta(days=n) for n in range(1, MAX_DAYS_AHEAD + 1))
        return [d for d in later if self.on(d)]


def _at(day: date, moment: time) -> datetime:
    if moment == time.max:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=FINLAND)
    return datetime.combine(day, moment, tzinfo=FINLAND)


def _whole_day(hours: OpeningHours, day: date) -> tuple[datetime, datetime]:
    intervals = hours.on(day)
    return _at(day, intervals[0][0]), _at(day, intervals[-1][1])


def expected_callback_time(
    now: datetime,
    urgent: bool,
    hours: list[dict[str, Any]],
    exceptions: list[dict[str, Any]],
    target_working_days: int,
    cutoff: time | None = None,
    always_open: bool = False,
    preferred: str = "any",
) -> CallbackPromise:
    """When the unit calls back, counted in the unit's own open days.

    Urgent (or a target of 0 days): the same day when the request comes
    before the cut-off (default: DEFAULT_CUTOFF_BEFORE_CLOSE before that
    day's closing time), else during the next open day. Otherwise by the
    closing time of the target_working_days-th open day after today, unless
    the resident's preferred time (bot/callbacks/models.py PREFERRED_TIMES)
    falls within that: "today" before the cut-off, or the morning or
    afternoon of the next open day. Urgency comes before a preference.
    A unit without weekly hours, or never open in the next MAX_DAYS_AHEAD
    days, is treated as open in office hours (DEFAULT_OFFICE_HOURS).
    """
    unit = OpeningHours(hours or DEFAULT_OFFICE_HOURS, exceptions or [], always_open)
    if not unit.open_days_after(now.astimezone(FINLAND).date()):
        unit = OpeningHours(DEFAULT_OFFICE_HOURS, [])
    local = now.astimezone(FINLAND)
    today = local.date()
    later_days = unit.open_days_after(today)
    if urgent or target_working_days <= 0:
        if unit.on(today):
            opens, closes = _whole_day(unit, today)
            last_call = _at(today, cutoff) if cutoff else closes - DEFAULT_CUTOFF_BEFORE_CLOSE
            if local < last_call:
                return CallbackPromise(max(local, opens), closes, "today")
        opens, closes = _whole_day(unit, later_days[0])
        return CallbackPromise(opens, closes, "next_working_day")
    deadline_day = later_days[min(target_working_days, len(later_days)) - 1]
    _, deadline = _whole_day(unit, deadline_day)
    wished = _preferred_window(unit, local, preferred, cutoff)
    if wished is not None and wished.latest <= deadline:
        return wished
    earliest = _whole_day(unit, later_days[0])[0]
    if unit.on(today):
        opens, closes = _whole_day(unit, today)
        if local < closes:
            earliest = max(local, opens)
    return CallbackPromise(earliest, deadline, "by_date")


def _preferred_window(
    unit: OpeningHours, local: datetime, preferred: str, cutoff: time | None
) -> CallbackPromise | None:
    """The promise the resident asked for, when the unit is open then; else None."""
    today = local.date()
    if preferred == "today" and unit.on(today):
        opens, closes = _whole_day(unit, today)
        last_call = _at(today, cutoff) if cutoff else closes - DEFAULT_CUTOFF_BEFORE_CLOSE
        return CallbackPromise(max(local, opens), closes, "today") if local < last_call else None
    if preferred not in ("tomorrow_morning", "tomorrow_afternoon"):
        return None
    day = unit.open_days_after(today)[0]
    opens, closes = _whole_day(unit, day)
    # Around the clock is not a promise to call at night: mornings start at 8.
    opens = max(opens, _at(day, DEFAULT_OFFICE_OPENS))
    noon = _at(day, NOON)
    if preferred == "tomorrow_morning" and opens < noon:
        return CallbackPromise(opens, min(noon, closes), "next_working_day")
    if preferred == "tomorrow_afternoon" and closes > noon:
        return CallbackPromise(max(noon, opens), closes, "next_working_day")
    return None


def horizon_end(after: datetime, working_days: int) -> datetime:
    """The end (local midnight) of the working_days-th working day after `after`'s day.

    0 means the end of the same day: free times for urgent matters are today's.
    """
    day = after.astimezone(FINLAND).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        remaining -= is_working_day(day)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=FINLAND)


def format_slot_time(moment: datetime, language: str) -> str:
    """An appointment's start for residents, e.g. "maanantai 30.11. klo 9.20"."""
    return timewords.slot_time(moment.astimezone(FINLAND), language)
