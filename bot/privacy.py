"""Removing personal data from text before it is stored or logged.

Four kinds of identifiers are replaced with a placeholder naming their kind:
Finnish personal identity codes (checked with python-stdnum, the century
signs of 2023 included), IBANs (checked with python-stdnum), e-mail addresses
and phone numbers (found with phonenumbers, Finnish numbering by default).
A placeholder never matches again, so redacting twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import phonenumbers
from stdnum import iban
from stdnum.fi import hetu

HETU_MARK = "[hetu]"
PHONE_MARK = "[phone]"
EMAIL_MARK = "[email]"
IBAN_MARK = "[iban]"
MARKS = (HETU_MARK, PHONE_MARK, EMAIL_MARK, IBAN_MARK)

# DDMMYY, century sign (+, - or Y X W V U for the 1900s, A-F for the 2000s),
# individual number, check character. Lower case too: residents type it so.
# Whole words only: inside a longer run of letters and digits (a random
# conversation id, a hash) six digits and a letter are no identity code.
_HETU_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Country code, check digits, then 11 to 30 letters or digits, often in groups
# of four. The longest valid prefix of a candidate is the IBAN.
_IBAN_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}\d{2}(?:[ -]?[0-9A-Za-z]){11,30}")
_IBAN_MIN_CHARS = 15


def _valid_hetu(candidate: str) -> bool:
    # Temporary identity codes (individual number 900-999) identify a person too.
    return hetu.is_valid(candidate.upper(), allow_temporary=True)


def _iban_spans(text: str) -> Iterator[tuple[int, int]]:
    position = 0
    while match := _IBAN_CANDIDATE.search(text, position):
        end = match.end()
        while end - match.start() >= _IBAN_MIN_CHARS:
            if text[end - 1].isalnum() and iban.is_valid(text[match.start() : end]):
                yield match.start(), end
                break
            end -= 1
        else:
            end = match.start() + 1
        position = end


def _replace_spans(text: str, spans: list[tuple[int, int]], mark: str) -> str:
    for start, end in reversed(spans):
        text = text[:start] + mark + text[end:]
    return text


def redact(text: str) -> str:
    """The text with identity codes, IBANs, e-mail addresses and phone numbers masked."""
    if not text:
        return text
    text = _replace_spans(text, list(_iban_spans(text)), IBAN_MARK)
    text = _HETU_CANDIDATE.sub(lambda m: HETU_MARK if _valid_hetu(m.group(0)) else m.group(0), text)
    text = _EMAIL.sub(EMAIL_MARK, text)
    if sum(ch.isdigit() for ch in text) < 3:
        return text  # no phone number has fewer digits; skips the matcher's cost
    phones = phonenumbers.PhoneNumberMatcher(text, "FI", leniency=phonenumbers.Leniency.VALID)
    return _replace_spans(text, [(m.start, m.end) for m in phones], PHONE_MARK)


# Channels refuse such conversation ids: the id is stored as it is with every event.
SENDER_WITH_PERSONAL_DATA = (
    "sender must not contain personal data (a phone number, an e-mail address, "
    "an identity code or an IBAN): use a random id"
)


def contains_personal_data(text: str) -> bool:
    """Whether redact() would mask anything in the text."""
    return redact(text) != text


# A UUID or a hex token of 16 or more digits ("04610590-ecb3-…"): random, and
# its digit runs can read as phone numbers, so it is never taken for personal
# data. (No phone number has more than 15 digits.)
_RANDOM_ID = re.compile(r"[0-9a-fA-F]{16,}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def id_contains_personal_data(conversation_id: str) -> bool:
    """A conversation id that carries a phone number, an e-mail address, an
    identity code or an IBAN (ids are stored unredacted with every event)."""
    return not _RANDOM_ID.fullmatch(conversation_id) and contains_personal_data(conversation_id)


def redact_data(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, strings) with every string redacted.

    Keys stay as they are: they are names chosen by the program, not by residents.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item) for item in value]
    return value
