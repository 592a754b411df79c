"""Who the help is for: the writer, their child, parent, partner, another relative or someone else.

The first person a message names decides ("tarviin apua äidille",
"min son behöver tandläkare"). Two names in a row are someone's someone:
"mun siskon lapsi" is a relative, "naapurin lapsi" or "min dotters kompis"
someone else. A message that names nobody but speaks in the first person
("mulla on hammassärky", "jag behöver") is for the writer; one that does
neither says nothing, and gets ``None``.

Words are matched like municipality names (bot/municipalities.py): whole
words, folded (bot/text.py), as a stem with an ending, from the lexicon in
bot/content/recipient.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.language import identify, words_of
from bot.text import fold

RECIPIENT_FILE = Path(__file__).parent / "content" / "recipient.yml"
RECIPIENTS = ("self", "child", "parent", "partner", "relative", "other")
# Whose matters the writer handles as another adult: with that adult's consent.
OTHER_ADULTS = frozenset({"parent", "partner", "relative", "other"})
# The catalogue's target groups (services' target_groups) that take in each
# recipient (carers' services help the writer who looks after them). A
# service made only for other groups fits worse; "self" and "other" could be
# anybody.
_ADULT_GROUPS = frozenset({"adults", "elderly", "carers"})
TARGET_GROUPS = {
    "child": frozenset({"children", "youth", "families"}),
    "parent": _ADULT_GROUPS,
    "partner": _ADULT_GROUPS,
    "relative": _ADULT_GROUPS,
}
# "min gamla man", "mun oma mies": "my" may stand this many words before.
_POSSESSIVE_REACH = 2


@dataclass(frozen=True)
class _Lexicon:
    names: dict[str, str]  # folded word form -> recipient
    possessed: dict[str, str]  # forms that name a recipient only after "my"
    headwords: frozenset[str]  # dictionary forms: after "olen" they say what the writer is
    roles: frozenset[str]  # forms that say in what role ("äitinä"), naming nobody
    possessives: frozenset[str]
    self_words: frozenset[str]
    self_roles: tuple[tuple[str, ...], ...]
    role_modifiers: frozenset[str]


def _folded(words: list[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


def _build(spec: dict) -> _Lexicon:
    endings, suffixes = spec["endings"], spec["suffixes"]
    my_suffixes, role_endings = set(spec["my_suffixes"]), set(spec["role_endings"])
    names: dict[str, str] = {}
    possessed: dict[str, str] = {}
    headwords: set[str] = set()
    roles: set[str] = set()
    for recipient, entries in spec["recipients"].items():
        for stems in entries:
            headwords.add(fold(stems[0]))
            for stem in stems:
                for ending in endings:
                    if ending in role_endings:
                        roles.add(fold(stem + ending))
                    for suffix in suffixes:
                        if suffix or ending not in role_endings:
                            names.setdefault(fold(stem + ending + suffix), recipient)
    for recipient, entries in spec["possessed"].items():
        for stems in entries:
            for stem in stems:
                for ending in endings:
                    for suffix in suffixes:
                        form = fold(stem + ending + suffix)
                        if suffix in my_suffixes:
                            names.setdefault(form, recipient)  # "mieheni" is mine already
                        elif not suffix:
                            possessed.setdefault(form, recipient)
    for recipient, forms in spec["forms"].items():
        for form in forms:
            names.setdefault(fold(form), recipient)
    return _Lexicon(
        names=names,
        possessed=possessed,
        headwords=frozenset(headwords),
        roles=frozenset(roles),
        possessives=_folded(spec["possessives"]),
        self_words=_folded(spec["self"]),
        self_roles=tuple(tuple(fold(w) for w in seq) for seq in spec["self_roles"]),
        role_modifiers=_folded(spec["role_modifiers"]),
    )


def _merge(first: _Lexicon, second: _Lexicon) -> _Lexicon:
    """Both languages' words; where a form means different people, ``first`` wins."""
    return _Lexicon(
        names={**second.names, **first.names},
        possessed={**second.possessed, **first.possessed},
        headwords=first.headwords | second.headwords,
        roles=first.roles | second.roles,
        possessives=first.possessives | second.possessives,
        self_words=first.self_words | second.self_words,
        self_roles=first.self_roles + second.self_roles,
        role_modifiers=first.role_modifiers | second.role_modifiers,
    )


@lru_cache(maxsize=1)
def _lexicons() -> dict[str, _Lexicon]:
    spec = yaml.safe_load(RECIPIENT_FILE.read_text(encoding="utf-8"))
    lexicons = {language: _build(entry) for language, entry in spec.items()}
    lexicons[""] = _merge(lexicons["fi"], lexicons["sv"])
    return lexicons


def _lexicon(text: str, language: str | None) -> _Lexicon:
    lexicons = _lexicons()
    if language not in lexicons:
        # No (known) language given: the text's own, or both when it cannot tell.
        language = identify(text).code
    return lexicons.get(language or "", lexicons[""])


def who_for(text: str, language: str | None) -> str | None:
    """Whom the message asks help for: one of RECIPIENTS, or None when it does not say."""
    words = [fold(word) for word in words_of(text or "")]
    if not words:
        return None
    lexicon = _lexicon(text, language)
    named = [(i, who) for i in range(len(words)) if (who := _named(lexicon, words, i))]
    others = [(i, who) for i, who in named if who != "self"]
    if others:
        return _first_named(others)
    if named or any(word in lexicon.self_words for word in words):
        return "self"  # "mulla on", "jag behöver", "olen äiti", "tukea äitinä"
    return None


def target_groups(recipient: str | None) -> frozenset[str]:
    return TARGET_GROUPS.get(recipient or "", frozenset())


def _named(lexicon: _Lexicon, words: list[str], i: int) -> str | None:
    """Whom word ``i`` names; "self" for a role the writer has ("äitinä", "jag är pappa")."""
    word = words[i]
    if word in lexicon.roles:
        return "self"
    who = lexicon.names.get(word)
    if who is None and word in lexicon.possessed and _after_possessive(lexicon, words, i):
        who = lexicon.possessed[word]
    if who is not None and word in lexicon.headwords and _describes_writer(lexicon, words, i):
        return "self"
    return who


def _after_possessive(lexicon: _Lexicon, words: list[str], i: int) -> bool:
    return any(word in lexicon.possessives for word in words[max(0, i - _POSSESSIVE_REACH) : i])


def _describes_writer(lexicon: _Lexicon, words: list[str], i: int) -> bool:
    """ "olen äiti", "jag är ensamstående pappa": what the writer is, not whom they ask for."""
    if i > 0 and words[i - 1] in lexicon.possessives:
        return False  # "oon huolissani mun isä": "mun isä" is never the writer
    start = i
    while start > 0 and words[start - 1] in lexicon.role_modifiers:
        start -= 1
    return any(tuple(words[max(0, start - len(seq)) : start]) == seq for seq in lexicon.self_roles)


def _first_named(named: list[tuple[int, str]]) -> str:
    (first_at, first), rest = named[0], named[1:]
    if rest and rest[0][0] == first_at + 1:
        # Someone's someone: "siskon lapsi" is family, "naapurin lapsi" is not.
        return "other" if "other" in (first, rest[0][1]) else "relative"
    return first
