"""Intent corrections as Rasa NLU training data (YAML), one file per language.

The result is meant for data/nlu_fi/ or data/nlu_sv/: examples grouped by
intent, in the format of the repository's own NLU files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from bot.review.models import IntentCorrection

# In Rasa's example syntax "[words](entity)" marks an entity; a resident's
# brackets (or a redaction mark like "[phone]") must not turn into one.
_ENTITY_SYNTAX = str.maketrans("", "", "[]")


def example_text(text: str) -> str:
    """One line of plain text that YAML and Rasa read back exactly as written."""
    flat = " ".join(text.split()).translate(_ENTITY_SYNTAX)
    # YAML forbids most control characters; invisible format characters
    # (zero-width spaces, BOMs) carry nothing a classifier should learn.
    return "".join(ch for ch in flat if ch.isprintable()).strip()


def examples_by_intent(
    corrections: Iterable[IntentCorrection], language: str
) -> dict[str, list[str]]:
    """{intent: [example, ...]} for one language, intents and examples in a stable order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for correction in sorted(corrections, key=lambda c: (c.corrected_at, c.id or 0)):
        if correction.language != language:
            continue
        example = example_text(correction.text)
        examples = grouped[correction.corrected_intent]
        if example and example not in examples:
            examples.append(example)
    return {intent: grouped[intent] for intent in sorted(grouped) if grouped[intent]}


def nlu_yaml(corrections: Iterable[IntentCorrection], language: str, today: date) -> str:
    """The corrections of one language as a Rasa 3.x NLU file."""
    lines = [
        f"# Intent corrections from conversation review ({language}), exported {today}.",
        f"# Check them, then add them to data/nlu_{language}/ and retrain.",
        'version: "3.1"',
    ]
    grouped = examples_by_intent(corrections, language)
    if not grouped:
        lines.append("nlu: []")
    else:
        lines.append("nlu:")
        for intent, examples in grouped.items():
            lines += [f"- intent: {intent}", "  examples: |"]
            lines += [f"    - {example}" for example in examples]
    return "\n".join(lines) + "\n"
