"""The ages a message gives ("16-vuotias", "oon 27", "tytär 14v", "min dotter 13", "jag är 19 år").

The labelling rules (docs/need_labels.md) let the person decide before the
topic: a young person's (13–29) low mood is youth support, an adult's is
mental health. A number is just a character n-gram to the classifiers, so
"23v" and "45v" look alike to them; an age band they can weigh.

Only forms that say an age count: "10 vuotta" and "i 10 år" are durations,
"2 kk" is a baby's months, "50 €" is money.
"""

from __future__ import annotations

import re

# (upper bound, band): under 13 a child, 13–29 young (youth services' range
# in needs.yml), 30–64 an adult, 65 and over older.
AGE_BANDS = ((13, "child"), (30, "young"), (65, "adult"), (130, "older"))

_NUMBER = r"(\d{1,3})"
# A person word right before a bare number: "tytär 14", "min son 16", "poikani (15)".
_PERSON = (
    r"(?:poika\w*|tytt?ä?r\w*|tyttö\w*|lapse?\w*|teini\w*|veli\w*|veljeni|sisko\w*|sisar\w*|"
    r"nuori\w*|son|sonen|dotter|dottern|barnet|barn|bror|brodern|syster|systern|flicka|pojke|"
    r"tonåring\w*|kille|tjej|äiti\w*|äidi\w*|isä\w*|mummo\w*|mummi\w*|ukki\w*|vaari\w*|mies\w*|"
    r"miehe\w*|vaimo\w*|puoliso\w*|mamma|mammas|pappa|pappas|mommo|moffa|farmor|mormor|farfar|"
    r"morfar|mannen|min\s+man|frun|sambo\w*)"
)
# What may not follow a bare number for it to be an age: durations, amounts,
# counts of children, times of day.
_NOT_AN_AGE = (
    r"(?!\s*(?:kk|kuukau\w*|viik\w*|päivä\w*|vuotta|vuodeksi|€|e\b|euro\w*|mån\w*|veck\w*|"
    r"dag\w*|kg|kilo\w*|%|prosent\w*|procent|tunti\w*|timm\w*|min\w*|kertaa|"
    r"gånger|lasta|lapsi|barn|:|[.,]\d))"
)
# The writer speaking of now ("olin 15" is a memory).
_WRITER = r"(?:oon|olen|jag\s+är|ja\s+e|jag\s+e)"
_PATTERNS = (
    # Finnish: "16-vuotias", "16 vuotiaalle", "16v", "16 v.", "16-v"
    rf"(?<![\d,.]){_NUMBER}\s?-?\s?(?:vuotia\w*|vuotiaa\w*|v\b\.?|vee\b)",
    # Swedish: "16-åring", "16-årig", "16 år gammal"
    rf"(?<![\d,.]){_NUMBER}\s?-?\s?(?:åring\w*|årig\w*|år\s+gam\w*)",
    # The writer or a pronoun: "oon 27", "olen 58", "jag är 19", "ja e 22", "hän on 34"
    rf"\b(?:{_WRITER}|olin|hän\s+on|se\s+on|hon\s+är|han\s+är)\s+{_NUMBER}\b{_NOT_AN_AGE}",
    # A person: "tytär 14", "min dotter 13", "poikani (15)", "poika on 15", "sonen är 16"
    rf"\b{_PERSON}\s+(?:on\s+|är\s+|e\s+)?\(?{_NUMBER}\b{_NOT_AN_AGE}",
    # "(21)" right after a word: "Tyttäreni (21)"
    rf"\w\s+\({_NUMBER}\)",
)
_AGE = re.compile("|".join(_PATTERNS), re.IGNORECASE)
# The writer's own age: "oon 14 ja", "olen 15-vuotias", "ja e 15 och", "jag är
# 13 år." A bare number or "år" counts only at a sentence's or clause's end,
# so that "oon 3 lapsen äiti", "olen 2. vuoden opiskelija", "oon 7-15 töissä"
# and "jag är 10 år äldre" are not ages.
_CLAUSE_END = r"(?=\s*(?:$|[,!?;:]|\.(?!\s*[a-zäöå\d])|(?:ja|och|o|mut|mutta|men|enkä)\b))"
_WRITER_AGE = re.compile(
    rf"\b{_WRITER}\s+{_NUMBER}(?:\s?-?\s?(?:vuotia\w*|åring\w*|v\b)|(?:\s+år(?:\s+gammal)?)?{_CLAUSE_END})",
    re.IGNORECASE,
)
ADULT_AGE = 18


def ages(text: str) -> list[int]:
    """Every age the text gives, in order; nothing for durations, amounts or months."""
    found = []
    for match in _AGE.finditer(text or ""):
        value = int(next(group for group in match.groups() if group))
        if 0 < value < AGE_BANDS[-1][0]:
            found.append(value)
    return found


def writer_is_minor(text: str) -> bool:
    """Whether the writer says they are under 18 ("oon 14", "ja e 15")."""
    return any(0 < int(match.group(1)) < ADULT_AGE for match in _WRITER_AGE.finditer(text or ""))


def band(age: int) -> str:
    return next(name for upper, name in AGE_BANDS if age < upper)


def age_words(text: str) -> str:
    """The text's ages as words for a classifier: "age:young age:adult", or ""."""
    return " ".join(f"age:{band(age)}" for age in ages(text))
