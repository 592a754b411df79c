"""Days and times in words, as Finnish and Finland-Swedish write them.

Dates are "30.11.", times "9.20" (a dot, as both languages write in
Finland); whole hours in ranges drop the minutes ("klo 8–16"). Weekday names
live in bot/content/messages.yml: `weekday_N` (Monday = 0) is the name on
its own ("maanantai", "måndag"), `weekday_on_N` the form for "on that day"
("maanantaina", "måndagen").
"""

from __future__ import annotations

from datetime import date, datetime, time

from bot.messages import text


def weekday(day: date, language: str, on: bool = False) -> str:
    return text(f"weekday_{'on_' if on else ''}{day.weekday()}", language)


def day_month(day: date) -> str:
    return f"{day.day}.{day.month}."


def clock_time(moment: time, always_minutes: bool = False) -> str:
    """'9.20', '16' (or '16.00' with always_minutes)."""
    if moment.minute or always_minutes:
        return f"{moment.hour}.{moment.minute:02d}"
    return str(moment.hour)


def slot_time(moment: datetime, language: str) -> str:
    """'maanantai 30.11. klo 9.20' / 'måndag 30.11. kl. 9.20' (moment in local time)."""
    day = moment.date()
    at = f"{text('clock_word', language)} {clock_time(moment.time(), always_minutes=True)}"
    return f"{weekday(day, language)} {day_month(day)} {at}"
