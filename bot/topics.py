"""Resident-facing topic labels (bot/content/topics.yml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TOPICS_FILE = Path(__file__).parent / "content" / "topics.yml"
OTHER_TOPIC = "out_of_scope"


@lru_cache(maxsize=1)
def topic_labels() -> dict[str, dict[str, str]]:
    return yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))


def likeliest_topics(intent_ranking: list[dict], limit: int = 3) -> list[str]:
    """The best-ranked intents that have a topic label, excluding "something else"."""
    labels = topic_labels()
    names = [item.get("name") for item in intent_ranking]
    return [n for n in names if n in labels and n != OTHER_TOPIC][:limit]


def label(topic: str, language: str) -> str:
    return topic_labels()[topic][language]
