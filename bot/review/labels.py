"""Names and number formats of the review and analytics pages, in Finnish and Swedish."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import yaml

from bot.routing import NEEDS_FILE
from bot.staff.texts import texts


@lru_cache(maxsize=1)
def _need_names() -> dict[str, dict[str, str]]:
    spec = yaml.safe_load(NEEDS_FILE.read_text(encoding="utf-8"))
    return {need["code"]: {"fi": need["fi"], "sv": need["sv"]} for need in spec["needs"]}


def need_codes() -> list[str]:
    return list(_need_names())


def need_name(code: str, language: str) -> str:
    """The need's name in the language; an unknown code as it is."""
    return _need_names().get(code, {}).get(language, code)


def outcome_name(outcome: str, language: str) -> str:
    return texts(language).get(f"outcome_{outcome}", outcome)


def language_name(code: str, language: str) -> str:
    return texts(language).get(f"language_{code}", code)


def decimal(value: float, digits: int = 1) -> str:
    """12.5 -> "12,5": both Finnish and Swedish write a decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(ratio: float | None, language: str) -> str:
    if ratio is None:
        return texts(language)["no_data"]
    return f"{decimal(ratio * 100)} %"


def duration(span: timedelta | None, language: str) -> str:
    """A wait in the units a manager reads: 45 min, 3 h 5 min, 2 vrk 4 h."""
    t = texts(language)
    if span is None:
        return t["no_data"]
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t["duration_days"].format(days=days, hours=hours)
    if hours:
        return t["duration_hours"].format(hours=hours, minutes=minutes)
    return t["duration_minutes"].format(minutes=minutes)


def day_label(day: date) -> str:
    """23.11. — the short Finnish and Swedish way of writing a day."""
    return f"{day.day}.{day.month}."
