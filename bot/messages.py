"""Resident-facing texts of custom actions (bot/content/messages.yml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).parent / "content" / "messages.yml"
# A value ending in a date's period ("27.11.") before the sentence's own period.
_DATE_THEN_PERIOD = re.compile(r"(\d\.)\.(?!\.)")


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(key: str, language: str, **values: object) -> str:
    """The message in the language, with {placeholders} filled from values."""
    message = messages()[key][language]
    if not values:
        return message
    # "perjantaina 27.11." ends the sentence too: one period, as Finnish and Swedish write it.
    return _DATE_THEN_PERIOD.sub(r"\1", message.format(**values))
