"""The emergency safety net: danger signs found in the words themselves.

Runs on every message, whatever the intent classifier thinks, so that a
low-confidence or wrong classification cannot miss a crisis (issue 3).
Patterns: bot/content/safety.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.text import fold

SAFETY_FILE = Path(__file__).parent / "content" / "safety.yml"
# Checked in this order: a message with chest pain and violence gets 112 first.
PRIORITY = ("emergency", "mental_health_crisis", "domestic_violence")
# Words that turn a sign around when they stand just before it or inside it:
# "ei itsetuhoisia ajatuksia", "vill inte dö", "inga självmordstankar" (a
# pattern may itself hold one: "en halua elää"). Per language of the pattern:
# Swedish "en" is "a" ("har en panikattack just nu"), Finnish "en" is "I do not".
_NEGATIONS = {
    "fi": ("ei", "en", "et", "emme", "ette", "eivat"),
    "sv": ("inte", "int", "ej", "inga", "ingen", "aldrig"),
}

# A negation may also stand one of these words before the sign: "ei mitään
# itsetuhoisia ajatuksia", "en aio satuttaa itseäni", "jag kommer inte att
# skada mig".
_AUXILIARIES = {
    "fi": ("aio", "aijo", "halua", "haluu", "meinaa", "ole", "oo", "mitään", "mitaan"),
    "sv": ("att", "tänker", "tanker", "vill"),
}


def _gap(language: str) -> str:
    """Up to two other words between the words of a pattern, none of them a negation."""
    not_negation = r"(?!(?:" + "|".join(_NEGATIONS[language]) + r")\b)"
    return r"(?: " + not_negation + r"\w+){0,2} "


@dataclass(frozen=True)
class DangerSign:
    category: str
    need: str
    matched: str


# Spoken Finland-Swedish spellings of the pronouns ("han slog mej"): the
# patterns are written with the standard forms.
_SPOKEN_FORMS = {"mej": "mig", "dej": "dig", "sej": "sig", "int": "inte"}


def _normalise(text: str) -> str:
    words = re.findall(r"[^\W_]+", fold(text or ""))
    return " ".join(_SPOKEN_FORMS.get(word, word) for word in words)


@dataclass(frozen=True)
class _Pattern:
    category: str
    need: str
    regex: re.Pattern
    phrase: str
    # Not a sign when the message also has one of these (bot/content/safety.yml),
    # unless the sign is said of now.
    unless: re.Pattern | None
    language: str


# A pattern word ending in this is a whole word, not a stem: "flytt=" (fled)
# must not find "flyttat" (moved).
WHOLE_WORD = "="


def _word_regexes(phrase: str) -> list[str]:
    """Each normalised word of a pattern as a stem, or whole when marked so."""
    regexes = []
    for word in phrase.split():
        pieces = _normalise(word).split()
        for i, piece in enumerate(pieces):
            whole = word.endswith(WHOLE_WORD) and i == len(pieces) - 1
            regexes.append(re.escape(piece) + (r"\b" if whole else r"\w*"))
    return regexes


def _compile(phrases: list[str], between_words: str) -> re.Pattern:
    alternatives = [between_words.join(_word_regexes(phrase)) for phrase in phrases]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")")


def _flat(items: list) -> list[str]:
    """An "unless" list, whose items may be lists shared by YAML anchors."""
    return [word for item in items for word in (_flat(item) if isinstance(item, list) else [item])]


@lru_cache(maxsize=1)
def _patterns() -> list[_Pattern]:
    spec = yaml.safe_load(SAFETY_FILE.read_text(encoding="utf-8"))
    patterns = []
    for category in PRIORITY:
        entry = spec[category]
        # The plain signs are one more group, without exceptions.
        for group in [*(entry.get("conditions") or []), {"fi": entry["fi"], "sv": entry["sv"]}]:
            # "unless" words are adjacent, of both languages, with no negation inside.
            unless = _compile(_flat(group["unless"]), " ") if group.get("unless") else None
            for language in ("fi", "sv"):
                for phrase in group.get(language, []):
                    # Each word is a stem at a word start ("ei herää" also finds
                    # "eikä herää"); up to two other words may stand between
                    # ("vill bara dö", "haluun vaan kuolla").
                    regex = _compile([phrase], _gap(language))
                    patterns.append(
                        _Pattern(category, entry["need"], regex, phrase, unless, language)
                    )
    return patterns


def danger_sign(text: str) -> DangerSign | None:
    """The most urgent danger sign in the text, if any."""
    normalised = _normalise(text)
    if not normalised:
        return None
    for pattern in _patterns():
        match = pattern.regex.search(normalised)
        if match is None or _negated(normalised, match.start(), pattern.language):
            continue
        if (
            pattern.unless is not None
            and pattern.unless.search(normalised)
            and not _said_of_now(normalised, match.start(), match.end())
        ):
            continue
        return DangerSign(category=pattern.category, need=pattern.need, matched=pattern.phrase)
    return None


# A word of now right beside a sign outweighs an exception elsewhere in the
# message: "sai juuri aivoinfarktin, leikattiin keväällä", "fått en stroke nu".
_NOW = {
    "nyt", "juuri", "asken", "tanaan", "heti", "yhtakkia", "akkia",
    "nu", "nyss", "idag", "plotsligt",
    "i natt", "i dag", "i morse", "just nu", "tana aamuna", "tana iltana", "tana yona",
}  # fmt: skip


def _said_of_now(text: str, start: int, end: int) -> bool:
    before, after = text[:start].split(), text[end:].split()
    beside = [
        " ".join(before[-2:]),
        " ".join(before[-1:]),
        " ".join(after[:1]),
        " ".join(after[:2]),
    ]
    return any(words in _NOW for words in beside)


def _negated(text: str, start: int, language: str) -> bool:
    """Whether the word just before the match negates it ("ei itsetuhoisia ajatuksia"),
    or the one before that with an auxiliary between ("en aio satuttaa itseäni")."""
    before = text[:start].split()
    if before and before[-1] in _AUXILIARIES[language]:
        before.pop()
    return bool(before) and before[-1] in _NEGATIONS[language]
