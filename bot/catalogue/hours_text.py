"""A channel's weekly opening hours in words: "maanantai–perjantai klo 8–16".

Days with the same hours share a line, consecutive days become a range, and
the days are written out in full (bot/timewords.py): screen readers read
"ma–pe" letter by letter. Malformed entries are left out, never guessed.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.messages import text
from bot.timewords import clock_time

Interval = tuple[time, time]


def _time(value: Any) -> time | None:
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _intervals_by_day(hours: list[dict[str, Any]]) -> dict[int, tuple[Interval, ...]]:
    by_day: dict[int, set[Interval]] = {}
    for entry in hours or []:
        if not isinstance(entry, dict):
            continue
        opens, closes = _time(entry.get("open")), _time(entry.get("close"))
        if opens is None or closes is None or closes <= opens:
            continue
        for day in entry.get("days") or []:
            if isinstance(day, int) and 0 <= day <= 6:
                by_day.setdefault(day, set()).add((opens, closes))
    return {day: tuple(sorted(intervals)) for day, intervals in by_day.items()}


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """[0, 1, 2, 4] -> [(0, 2), (4, 4)]."""
    runs: list[tuple[int, int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _days_text(days: list[int], language: str) -> str:
    def name(day: int) -> str:
        return text(f"weekday_{day}", language)

    return ", ".join(
        name(first) if first == last else f"{name(first)}–{name(last)}"
        for first, last in _runs(days)
    )


def _intervals_text(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(f"{clock_time(opens)}–{clock_time(closes)}" for opens, closes in intervals)


def weekly_hours_text(hours: list[dict[str, Any]], language: str) -> list[str]:
    """One line per set of days with the same hours, Monday's first; [] when none are known."""
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for day, intervals in sorted(_intervals_by_day(hours).items()):
        groups.setdefault(intervals, []).append(day)
    clock_word = text("clock_word", language)
    return [
        f"{_days_text(days, language)} {clock_word} {_intervals_text(intervals)}"
        for intervals, days in groups.items()
    ]
