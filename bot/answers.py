"""What a resident's free-text answer to a form question means.

Buttons send the same words a resident could type, so typed and clicked
answers take one path. The words are in bot/content/answers.yml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import phonenumbers
import yaml

from bot.text import fold

ANSWERS_FILE = Path(__file__).parent / "content" / "answers.yml"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", fold(text or "")))


def _phrase_regex(phrase: str, anchored: bool = False) -> re.Pattern:
    # Whole words at the start, any ending on each word ("peru" ~ "peruutan").
    words = [re.escape(word) + r"\w*" for word in phrase.split()]
    return re.compile(("^" if anchored else r"(?:^| )") + " ".join(words) + r"(?: |$)")


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    spec = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))

    def compiled(phrases: list[str], anchored: bool = False) -> list[re.Pattern]:
        return [_phrase_regex(p, anchored) for p in phrases]

    return {
        "cancel": compiled(spec["cancel"]),
        "skip": compiled(spec["skip"]),
        # Yes and no count only as the first words: "ja" is also Finnish "and".
        "yes": compiled(spec["yes"], anchored=True),
        "no": compiled(spec["no"], anchored=True),
        "time": {code: compiled(p) for code, p in spec["time"].items()},
        "language": {code: compiled(p) for code, p in spec["language"].items()},
        "change": {slot: compiled(p) for slot, p in spec["change"].items()},
    }


def _matches(text: str, patterns: list[re.Pattern]) -> bool:
    words = _words(text)
    return any(p.search(words) for p in patterns)


def is_cancel(text: str) -> bool:
    return _matches(text, _lexicon()["cancel"])


def is_skip(text: str) -> bool:
    return _matches(text, _lexicon()["skip"])


def yes_or_no(text: str) -> bool | None:
    """True for yes, False for no, None when the answer says neither."""
    if _matches(text, _lexicon()["yes"]):
        return True
    if _matches(text, _lexicon()["no"]):
        return False
    return None


def time_choice(text: str) -> str | None:
    """asap, today, tomorrow_morning, tomorrow_afternoon, any, or None."""
    for code, patterns in _lexicon()["time"].items():
        if _matches(text, patterns):
            return code
    return None


def language_choice(text: str) -> str | None:
    for code, patterns in _lexicon()["language"].items():
        if _matches(text, patterns):
            return code
    return None


def slot_to_change(text: str) -> str | None:
    """The form slot a "change ..." answer wants to give again, if any."""
    for slot, patterns in _lexicon()["change"].items():
        if _matches(text, patterns):
            return slot
    return None


# A reply this short can only be an answer; a longer message may tell more.
_FORM_REPLY_MAX_WORDS = 3


def is_form_reply(text: str) -> bool:
    """A short reply that only answers a form's question: cancel, skip, a later
    call time, or which answer to change ("avbryt alltihop", "Huomenna
    aamupäivällä"). A call wanted at once ("heti", "genast") is left out: it
    may be a cry for help. Yes and no are left out too: "ei jaksa" starts with no.
    """
    if len(_words(text).split()) > _FORM_REPLY_MAX_WORDS:
        return False
    return (
        is_cancel(text)
        or is_skip(text)
        or time_choice(text) not in (None, "asap")
        or slot_to_change(text) is not None
    )


def phone_in(text: str) -> str | None:
    """The first valid phone number written anywhere in the text, as E.164."""
    for match in phonenumbers.PhoneNumberMatcher(
        text or "", "FI", leniency=phonenumbers.Leniency.VALID
    ):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None
