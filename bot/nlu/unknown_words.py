"""Rasa NLU component: a message with no plausible word is not understood.

DIET is sure of itself even on keyboard mashing ("asdkj qwe"), because it has
never seen anything like it. If not one word of a message is a known word of
Finnish, Swedish or English (wordfreq's lists), two known words written
together (compounds such as "hemvård" or "hammassärky" are rarely in the
lists), or spelt like a word, the intent becomes
``nlu_fallback``, as Rasa's FallbackClassifier would set it; DIET's ranking
stays, so the fallback can still offer the likeliest topics (a typo such as
"hammaslaakari" then gets "Did you mean: dental care?").
"""

from __future__ import annotations

from typing import Any

import wordfreq
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.language import LANGUAGES, spelling_plausibility, words_of
from bot.municipalities import find_in_text
from bot.nlu.base import ConfiguredComponent

# The shortest part of a compound: "hem|vård", "mat|hjälp", "jobb|coach".
_MIN_PART = 3
# Each part a common word (five per million: "vård", "dusch", "hammas"), so
# that mashing such as "asd|asd" or "sdf|sdf" does not pass as a compound.
_PART_FREQUENCY = 5e-6
# Swedish joins some compounds with an -s- ("arbet|s|plats").
_LINKS = ("", "s")
# Set on a message with no plausible word, so that the safety net takes no
# guess from it: the classifiers' ranking of mashing is noise.
GIBBERISH_KEY = "gibberish"
# Longer runs of letters are no compound of two words (and the check grows
# with the square of the length: a pasted blob must not stall Rasa).
_MAX_COMPOUND = 40


def _known(word: str, language: str, min_frequency: float) -> bool:
    return wordfreq.word_frequency(word, language, wordlist="large") >= min_frequency


def is_compound_of_known_words(word: str, min_frequency: float = _PART_FREQUENCY) -> bool:
    """Two known words of one language written together, as Finnish and Swedish do
    ("hemvård", "mathjälp", "hammassärky"): the lists rarely have the compound itself."""
    word = word.lower()
    if len(word) > _MAX_COMPOUND:
        return False
    for language in LANGUAGES:
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if not _known(head, language, min_frequency):
                continue
            for link in _LINKS:
                rest = tail.removeprefix(link) if link else tail
                if len(rest) >= _MIN_PART and (link == "" or tail.startswith(link)):
                    if _known(rest, language, min_frequency):
                        return True
    return False


def is_plausible_word(word: str, min_frequency: float, min_plausibility: float) -> bool:
    known = any(_known(word, lang, min_frequency) for lang in LANGUAGES)
    return (
        known or spelling_plausibility(word) >= min_plausibility or is_compound_of_known_words(word)
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnknownWordsFallback(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Once per million words: "tarviin" and "mul" are known words.
        # Spelling: real words score above -3.3, mashing below -3.9 (see
        # bot.language.identifier.spelling_plausibility).
        return {"min_frequency": 1e-6, "min_plausibility": -3.6}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._min_frequency = float(config["min_frequency"])
        self._min_plausibility = float(config["min_plausibility"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            words = words_of(text)
            # No words at all (a number, an emoji) is not gibberish: forms ask for numbers.
            # Nor is a municipality's name, the answer to "where do you live?" ("Esbo").
            if (
                not words
                or any(
                    is_plausible_word(w, self._min_frequency, self._min_plausibility) for w in words
                )
                or find_in_text(text) is not None
            ):
                continue
            message.set(GIBBERISH_KEY, True)
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: 1.0,
            }
            message.set(INTENT, fallback, add_to_output=True)
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
        return messages
