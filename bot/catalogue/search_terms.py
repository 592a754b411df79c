"""What a resident wrote, as search terms: folded words without stop words, and stems.

Both the index and the query go through ``fold`` and the same word pattern,
so "Hammaslääkärille" and "hammaslaakarille" are the same word on both
sides. Stop words are each language's most frequent words (wordfreq), not a
hand-written list. Finnish and Swedish inflect: "velkojen" must find "velka",
"hemvården" must find "hemvård". A word is therefore searched by a stem, a
prefix of it: the longest one that some indexed word shares (see
``search_index.longest_known_prefix``), or, without an index vocabulary, the
word minus the usual length of an inflectional ending.
"""

from __future__ import annotations

import re
from functools import lru_cache

import wordfreq

from bot.text import fold

# Words are letters and digits; everything else (FTS5 syntax included) separates them.
WORD = re.compile(r"[^\W_]+")
# Longer input is not a question a resident types; reading it all only costs time.
MAX_INPUT_CHARS = 2000
MAX_TERMS = 12
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 40
# Shorter words are searched whole; a shorter prefix matches too much.
MIN_STEM_CHARS = 4
# Without a vocabulary: Finnish case endings (-lle, -ssa, -jen) are mostly 2-3 letters.
ENDING_CHARS = 3
# 200 covers pronouns, auxiliaries and particles ("että", "kanssa", "jag", "kan").
# On the first need evaluation set (now in data/nlu_*/needs_written_apart.yml),
# 50 to 200 find the right service equally often, and 200 returns fewer wrong
# hits where no service matches. Longer lists drop more words that matter:
# Swedish "barn" is 141st, "hjälp" 282nd.
STOP_WORD_COUNT = 200


@lru_cache(maxsize=4)
def stop_words(language: str) -> frozenset[str]:
    """The language's most frequent words, folded; unknown languages have none."""
    try:
        words = wordfreq.top_n_list(language, STOP_WORD_COUNT)
    except LookupError:
        return frozenset()
    return frozenset(fold(word) for word in words)


def words(text: str) -> list[str]:
    """Folded words of any text, in order (the index uses this too)."""
    return WORD.findall(fold(text))


def query_words(text: object, language: str) -> list[str]:
    """The words worth searching for: no stop words, no repeats, at most MAX_TERMS."""
    if not isinstance(text, str):
        return []
    skipped = stop_words(language) | stop_words("sv" if language == "fi" else "fi")
    wanted = [
        word
        for word in words(text[:MAX_INPUT_CHARS])
        if word not in skipped
        and MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS
        and not word.isdigit()
    ]
    return list(dict.fromkeys(wanted))[:MAX_TERMS]


def truncated_stem(word: str) -> str:
    """A stem without a vocabulary: the word minus a typical inflectional ending."""
    return word[: max(MIN_STEM_CHARS, len(word) - ENDING_CHARS)]


def fts5_prefix(stem: str) -> str:
    """An FTS5 prefix query for a stem, quoted so no word is read as syntax."""
    return '"' + stem.replace('"', '""') + '"*'
