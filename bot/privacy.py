"""Removing personal data from free text before it is stored or logged."""

from __future__ import annotations

import re

import phonenumbers
from stdnum.fi import hetu

# Finnish personal identity code: DDMMYY, century sign, 3 digits, check character.
_HETU_CANDIDATE = re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")

HETU_MARK = "[hetu]"
PHONE_MARK = "[phone]"
EMAIL_MARK = "[email]"


def redact(text: str) -> str:
    """The text with identity codes, phone numbers and e-mail addresses masked."""
    text = _HETU_CANDIDATE.sub(
        lambda m: HETU_MARK if hetu.is_valid(m.group(0).upper()) else m.group(0), text
    )
    text = _EMAIL.sub(EMAIL_MARK, text)
    matches = list(
        phonenumbers.PhoneNumberMatcher(text, "FI", leniency=phonenumbers.Leniency.VALID)
    )
    for match in reversed(matches):
        text = text[: match.start] + PHONE_MARK + text[match.end :]
    return text
