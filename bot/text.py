"""Small text helpers shared by the matchers."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lowercase without the dots of ä/ö/å, for keyboards without them."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
