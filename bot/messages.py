"""Resident-facing texts of custom actions (bot/content/messages.yml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

MESSAGES_FILE = Path(__file__).parent / "content" / "messages.yml"


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(key: str, language: str, **values: object) -> str:
    """The message in the language, with {placeholders} filled from values."""
    message = messages()[key][language]
    return message.format(**values) if values else message
