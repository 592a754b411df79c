"""The intents a reviewer may choose when correcting a message: those of domain/*.yml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "domain"
# Rasa's own intent for "not understood" is no training label.
NOT_LABELS = frozenset({"nlu_fallback"})


@lru_cache(maxsize=4)
def domain_intents(domain_dir: Path = DOMAIN_DIR) -> tuple[str, ...]:
    """Every intent declared in the domain files, sorted.

    An intent is listed either as a name or as a one-key mapping with its
    options (`- greet: {use_entities: []}`); both are read.
    """
    names: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("intents") or []:
            if isinstance(item, str):
                names.add(item)
            elif isinstance(item, dict) and len(item) == 1:
                names.add(str(next(iter(item))))
    return tuple(sorted(names - NOT_LABELS))
