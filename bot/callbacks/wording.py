"""The promised call time in the resident's words (texts in bot/content/messages.yml)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot import clock
from bot.clock import FINLAND
from bot.messages import text
from bot.schedule import CallbackPromise
from bot.timewords import clock_time, day_month, weekday


def _end_time(moment: datetime) -> str:
    # A promise running to midnight (an always-open unit) ends at "24", not "0".
    return "24" if moment.time() == time.min else clock_time(moment.time())


def expected_time_text(promise: CallbackPromise, language: str, now: datetime | None = None) -> str:
    """E.g. "tänään klo 16 mennessä", "maanantaina 28.12. klo 8–16 välillä",
    "viimeistään torstaina 3.12." (Swedish alike).

    "Today" is judged against now (default: the current time), so a promise
    repeated on a later day names its date instead.
    """
    earliest = promise.earliest.astimezone(FINLAND)
    latest = promise.latest.astimezone(FINLAND)
    day = earliest.date()
    on_day = {"weekday": weekday(day, language, on=True), "date": day_month(day)}
    if promise.kind == "today":
        today = (now or clock.now()).astimezone(FINLAND).date()
        if day == today:
            return text("cb_when_today", language, close=_end_time(latest))
        return text("cb_when_day_by", language, close=_end_time(latest), **on_day)
    if promise.kind == "next_working_day":
        return text(
            "cb_when_window",
            language,
            open=clock_time(earliest.time()),
            close=_end_time(latest),
            **on_day,
        )
    # A deadline at midnight (an always-open unit) belongs to the day before.
    deadline = (latest - timedelta(microseconds=1)).date()
    return text(
        "cb_when_by_date",
        language,
        weekday=weekday(deadline, language, on=True),
        date=day_month(deadline),
    )
