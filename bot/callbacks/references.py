"""Short reference codes residents can read aloud and type back, e.g. "K7Q-4MX".

The alphabet leaves out 0/O and 1/I, which look alike. Every code has at
least one digit, so that no ordinary word ("ABC-DEF", "KYL-LÄ") is taken
for a code when a resident writes one in a sentence. Bookings use the same
codes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
HALF = 3
_SYMBOL = "[2-9A-HJ-NP-Z]"
_CODE = re.compile(
    rf"(?<![0-9A-Za-z])({_SYMBOL}{{{HALF}}})-?({_SYMBOL}{{{HALF}}})(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(2 * HALF))
        if any(c.isdigit() for c in code):
            return f"{code[:HALF]}-{code[HALF:]}"


def _normalised(match: re.Match[str]) -> str | None:
    code = f"{match.group(1)}-{match.group(2)}".upper()
    return code if any(c.isdigit() for c in code) else None


def find_reference(text: str) -> str | None:
    """The first reference code in free text, normalised ("k7q4mx" -> "K7Q-4MX")."""
    for match in _CODE.finditer(text or ""):
        code = _normalised(match)
        if code:
            return code
    return None


def normalise_reference(text: str) -> str:
    """A code as stored, when the text is one; else the text stripped and upper-cased."""
    match = _CODE.fullmatch((text or "").strip())
    return (match and _normalised(match)) or (text or "").strip().upper()
