"""Language identification for short chat messages: Finnish, Swedish or English.

Why not plain langdetect: it samples character n-grams at random and knows 55
languages, so a one- or two-word message ("hammaslääkäri", "tack") is often
guessed as Estonian or Norwegian, or differently on each call. Chat messages
are short, so we score each *word* instead:

* a word-frequency model (wordfreq's large Finnish, Swedish and English lists),
  which decides common words and function words outright ("och", "ja", "the");
* mixed with a character-trigram model built from langdetect's own language
  profiles (and its character normalisation), so words the lists do not know
  (names, typos, rare compounds) still count, with letters such as å;
* and for unknown words an ending model learnt from the word lists, since
  inflection endings ("-ssa", "-llä", "-arna") tell the language.

The result is a naive-Bayes posterior over the three languages. langdetect's
own detector is not consulted: on the benchmark (bench/language_id.py) its
vote made no length better and some worse.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import wordfreq
from langdetect.utils.ngram import NGram

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
# Who writes to a Finnish municipal service: mostly Finnish and Swedish
# speakers, rarely English. A text must say "English" a little louder.
_PRIOR = {"fi": 0.45, "sv": 0.45, "en": 0.10}

# Share of probability mass the word model leaves to words it does not know.
_OOV_WEIGHT = 0.1
# Interpolation weights of the trigram, bigram, unigram and uniform character models.
_CHAR_LAMBDAS = (0.6, 0.3, 0.09, 0.01)
_CHAR_VOCABULARY = 80
# A word contributes at most this many nats to the decision, so that one odd
# word (a name, an English loan) cannot outvote several clear ones. A word none
# of the frequency lists knows (a name, a typo, a rare compound) is weaker still.
_MAX_WORD_EVIDENCE = 8.0
_MAX_UNKNOWN_WORD_EVIDENCE = 3.0
_MAX_WORD_CHARS = 60
# A capitalised word inside a sentence is most likely a name ("Joakim Nivre",
# "The Stone Roses"): names cross languages, so they count for less than the
# words around them.
_NAME_WEIGHT = 0.3
# The ending model learns from the vocabulary's rarer words, which look most
# like the unknown words it is asked about.
_ENDING_VOCABULARY = slice(2_000, 150_000)
_ENDING_LENGTHS = (4, 3, 2)
_ENDING_LAMBDAS = (0.5, 0.3, 0.15, 0.05)

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class LanguageGuess:
    """What the text alone says about its language.

    ``code`` is ``None`` when the text has no word to judge by (an emoji, a
    number). ``evidence`` is the log-likelihood margin, in nats, between the best
    and the second-best language: it grows with the number of telling words,
    while ``confidence`` is the posterior probability of ``code``.
    """

    code: str | None
    confidence: float
    evidence: float
    words: int

    def as_dict(self) -> dict:
        return {"code": self.code, "confidence": round(self.confidence, 4)}


def words_of(text: str) -> list[str]:
    """The lowercased words of a text (letters only: numbers carry no language)."""
    return [w.lower() for w in _WORD_RE.findall(text or "")]


def _weighted_words(text: str) -> list[tuple[str, float]]:
    """The lowercased words of a text, each with the weight of its evidence.

    Words that start a sentence or a line, are all lowercase or all capitals
    count fully; other capitalised words are taken for names.
    """
    weighted = []
    previous_end = None
    for match in _WORD_RE.finditer(text or ""):
        word = match.group()
        between = text[previous_end : match.start()] if previous_end is not None else "."
        starts_sentence = any(mark in between for mark in ".!?:\n")
        is_name = word[0].isupper() and not word.isupper() and not starts_sentence
        weighted.append((word[:_MAX_WORD_CHARS].lower(), _NAME_WEIGHT if is_name else 1.0))
        previous_end = match.end()
    return weighted


class _CharModel:
    """An interpolated character-trigram model from a langdetect profile."""

    def __init__(self, profile: dict) -> None:
        counts: dict[str, float] = defaultdict(float)
        for gram, n in profile["freq"].items():
            counts[gram.lower()] += n
        self._counts = dict(counts)
        self._unigram_total = float(profile["n_words"][0])

    def _count(self, gram: str) -> float:
        return self._counts.get(gram, 0.0)

    def logprob(self, word: str) -> float:
        text = f" {word} "
        l3, l2, l1, l0 = _CHAR_LAMBDAS
        total = 0.0
        for i in range(1, len(text)):
            ch = NGram.normalize(text[i])
            prev1 = NGram.normalize(text[i - 1])
            p = l0 / _CHAR_VOCABULARY
            p += l1 * self._count(ch) / self._unigram_total
            ctx1 = self._count(prev1)
            if ctx1:
                p += l2 * self._count(prev1 + ch) / ctx1
            if i >= 2:
                ctx2_gram = NGram.normalize(text[i - 2]) + prev1
                ctx2 = self._count(ctx2_gram)
                if ctx2:
                    p += l3 * self._count(ctx2_gram + ch) / ctx2
            total += math.log(p)
        return total


class _EndingModel:
    """How likely a word ending ("-ssa", "-arna", "-ing") is in a language.

    Learnt from the word types of wordfreq's list, so inflection endings of
    Finnish and Swedish are evidence for words the list itself lacks.
    """

    def __init__(self, vocabulary: list[str]) -> None:
        self._tables: dict[int, dict[str, int]] = {}
        for n in _ENDING_LENGTHS:
            table: dict[str, int] = defaultdict(int)
            for word in vocabulary:
                if len(word) > n and word.isalpha():
                    table[word[-n:]] += 1
            self._tables[n] = dict(table)
        self._totals = {n: sum(t.values()) for n, t in self._tables.items()}

    def logprob(self, word: str) -> float:
        p = _ENDING_LAMBDAS[-1] / 1000
        for weight, n in zip(_ENDING_LAMBDAS, _ENDING_LENGTHS, strict=False):
            if len(word) > n:
                p += weight * self._tables[n].get(word[-n:], 0) / self._totals[n]
        return math.log(p)


@lru_cache(maxsize=1)
def _ending_models() -> dict[str, _EndingModel]:
    return {
        lang: _EndingModel(
            list(itertools.islice(wordfreq.iter_wordlist(lang, "large"), _ENDING_VOCABULARY.stop))[
                _ENDING_VOCABULARY
            ]
        )
        for lang in LANGUAGES
    }


def _profile_dir() -> str:
    import langdetect

    return os.path.join(os.path.dirname(langdetect.__file__), "profiles")


@lru_cache(maxsize=1)
def _char_models() -> dict[str, _CharModel]:
    models = {}
    for lang in LANGUAGES:
        with open(os.path.join(_profile_dir(), lang), encoding="utf-8") as f:
            models[lang] = _CharModel(json.load(f))
    return models


@lru_cache(maxsize=50_000)
def _word_evidence(word: str) -> tuple[float, ...]:
    """Per-language log-likelihoods of one word, relative to the best language."""
    freqs = [wordfreq.word_frequency(word, lang, wordlist="large") for lang in LANGUAGES]
    chars, endings = _char_models(), _ending_models()
    scores = []
    for lang, freq in zip(LANGUAGES, freqs, strict=True):
        # log((1 - w) * freq + w * P_char), in log space: P_char of a long
        # word underflows to zero.
        char_part = math.log(_OOV_WEIGHT) + chars[lang].logprob(word)
        score = _logaddexp(math.log((1 - _OOV_WEIGHT) * freq), char_part) if freq else char_part
        if not any(freqs):
            score += endings[lang].logprob(word)
        scores.append(score)
    cap = _MAX_WORD_EVIDENCE if any(freqs) else _MAX_UNKNOWN_WORD_EVIDENCE
    best = max(scores)
    return tuple(max(score - best, -cap) for score in scores)


def spelling_plausibility(word: str) -> float:
    """Log-probability per character of the word under the likeliest language's
    character model: about -2.5 to -3.3 for real words, typos and compounds
    ("hammassärky", "hammaslaakari"), below -3.9 for keyboard mashing ("asdkj")."""
    word = word.lower()[:_MAX_WORD_CHARS]
    return max(model.logprob(word) for model in _char_models().values()) / (len(word) + 1)


def _logaddexp(a: float, b: float) -> float:
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def identify(text: str) -> LanguageGuess:
    """Identify the language of ``text`` among Finnish, Swedish and English."""
    # No real word is longer; a pasted blob must not cost time or memory.
    words = _weighted_words(text)
    if not words:
        return LanguageGuess(code=None, confidence=0.0, evidence=0.0, words=0)

    totals = [math.log(_PRIOR[lang]) for lang in LANGUAGES]
    for word, weight in words:
        for i, score in enumerate(_word_evidence(word)):
            totals[i] += weight * score

    top = max(totals)
    weights = [math.exp(t - top) for t in totals]
    norm = sum(weights)
    ranked = sorted(range(len(LANGUAGES)), key=lambda i: totals[i], reverse=True)
    best, second = ranked[0], ranked[1]
    return LanguageGuess(
        code=LANGUAGES[best],
        confidence=weights[best] / norm,
        evidence=totals[best] - totals[second],
        words=len(words),
    )
