"""Recognising a municipality: by code, by name, and inside a message.

Finnish inflects names ("Espoossa", "Lohjalla", "Kirkkonummella", with
consonant gradation in "Vihdissä", "Hangossa"); Swedish mostly does not
("i Esbo", "Esbos"). Matching is on lowercased words, with or without the
dots of ä and ö, against each name and its stems.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.catalogue.loader import MUNICIPALITIES_FILE
from bot.text import fold

# Finnish case endings that follow a municipality name or its stem.
_FI_ENDINGS = (
    "", "n", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "seen", "hin",
    "ksi", "na", "nä", "in", "ista", "issa", "illa", "ille", "ilta", "en", "ella", "ellä",
    "elle", "elta", "eltä", "essa", "essä", "esta", "estä", "ten", "a", "ä",
)  # fmt: skip
_SV_ENDINGS = ("", "s")
# Consonant gradation: the weak grade of the consonants before a name's last
# vowel (Vihti -> Vihdissä, Hanko -> Hangossa, Lappeenranta -> Lappeenrannassa).
_WEAK_GRADE = (
    ("nt", "nn"), ("nk", "ng"), ("mp", "mm"), ("lt", "ll"), ("rt", "rr"), ("ht", "hd"),
    ("tt", "t"), ("kk", "k"), ("pp", "p"), ("t", "d"), ("p", "v"), ("k", ""),
)  # fmt: skip
# Stems no rule gives: -nen names and Swedish genitives.
_EXTRA_STEMS = {"235": ["kauniais"]}
# Well-known localities that are not municipalities, by the municipality
# they belong to (the region of the seed plans first).
_LOCALITIES = {
    "710": ["tammisaari", "ekenäs", "karjaa", "karis", "pohja", "pojo", "fiskari", "fiskars"],
    "927": ["nummela"],
    "257": ["masala", "veikkola"],
    "444": ["nummi", "sammatti"],
    "049": ["leppävaara", "tapiola", "matinkylä", "espoonlahti", "kivenlahti", "kalajärvi"],
    "753": ["nikkilä", "nickby", "söderkulla"],
    "434": ["pernaja", "pernå", "liljendal"],
}
# Names that are also everyday words are only taken from a message when
# capitalised or after "i"/"kunta"; short ones never.
_MIN_NAME_CHARS = 4
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class MunicipalityName:
    code: str
    fi: str
    sv: str


@lru_cache(maxsize=1)
def all_municipalities() -> dict[str, MunicipalityName]:
    records = json.loads(MUNICIPALITIES_FILE.read_text(encoding="utf-8"))
    result = {}
    for record in records:
        names = {n["language"]: n["value"] for n in record["names"]}
        fi = names.get("fi") or names.get("sv")
        result[record["code"]] = MunicipalityName(record["code"], fi, names.get("sv") or fi)
    return result


@lru_cache(maxsize=1)
def _word_index() -> dict[str, str]:
    """Every accepted inflected form (folded) -> municipality code."""
    index: dict[str, str] = {}
    for code, m in all_municipalities().items():
        forms: set[str] = set()
        fi, sv = m.fi.lower(), m.sv.lower()
        stems = {fi, *_weak_stems(fi), *_EXTRA_STEMS.get(code, [])}
        if fi[-1] in _VOWELS:
            stems.add(fi[:-1])
        for stem in stems:
            forms.update(stem + ending for ending in _FI_ENDINGS)
        forms.update(sv + ending for ending in _SV_ENDINGS)
        forms.add(fi)
        for form in forms:
            if len(form) >= _MIN_NAME_CHARS and " " not in form:
                # The first municipality keeps a form two could claim.
                index.setdefault(fold(form), code)
    for code, localities in _LOCALITIES.items():
        for locality in localities:
            for stem in (locality, *_weak_stems(locality)):
                for ending in (*_FI_ENDINGS, *_SV_ENDINGS):
                    index.setdefault(fold(stem + ending), code)
    return index


_VOWELS = "aeiouyäö"


def _weak_stems(name: str) -> list[str]:
    """Weak-grade stems of a name ending in a vowel, with that vowel (and e for i)."""
    if len(name) < 3 or name[-1] not in _VOWELS:
        return []
    body, vowel = name[:-1], name[-1]
    # Old i-stems take e before most endings (Tammisaari -> Tammisaaressa).
    e_stem = [body + "e"] if vowel == "i" else []
    for strong, weak in _WEAK_GRADE:
        if body.endswith(strong) and not body.endswith("s" + strong):
            weak_body = body[: -len(strong)] + weak
            return [weak_body + vowel, *e_stem] + ([weak_body + "e"] if vowel == "i" else [])
    return e_stem


def resolve(value: object) -> str | None:
    """A municipality code from metadata: a code ("49", "049") or a Finnish or Swedish name."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit() and len(text) <= 3:
        code = text.zfill(3)
        return code if code in all_municipalities() else None
    folded = fold(text)
    for code, m in all_municipalities().items():
        if folded in (fold(m.fi), fold(m.sv)):
            return code
    return None


def find_in_text(text: str) -> str | None:
    """The municipality a message mentions, e.g. "asun Lohjalla" -> "444"."""
    index = _word_index()
    for word in _WORD_RE.findall(text or ""):
        code = index.get(fold(word))
        if code is not None:
            return code
    return None


def name(code: str, language: str) -> str:
    m = all_municipalities()[code]
    return m.sv if language == "sv" else m.fi
