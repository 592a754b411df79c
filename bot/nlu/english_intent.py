"""Rasa NLU component: a message clearly in English gets the intent ``english``.

The classifier has only a few English examples and would otherwise map an
English sentence onto the nearest Finnish or Swedish intent. The language
identifier is the better judge, so when it is sure the text is English the
intent becomes ``english`` (answered with a bilingual note); the classifier's
ranking is kept for review.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import ConfiguredComponent
from bot.nlu.language_identifier import LANGUAGE_KEY

ENGLISH_INTENT = "english"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EnglishIntent(ConfiguredComponent):
    """Sets the ``english`` intent from a confident language identification."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Two words at least: "ok", "hello" or a name alone are no reason to
        # tell the resident we only serve in Finnish and Swedish.
        return {"min_confidence": 0.9, "min_words": 2}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._min_confidence = float(config["min_confidence"])
        self._min_words = int(config["min_words"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = message.get(LANGUAGE_KEY) or {}
            if (
                language.get("code") == "en"
                and language.get("confidence", 0.0) >= self._min_confidence
                and language.get("words", 0) >= self._min_words
            ):
                message.set(
                    INTENT,
                    {
                        INTENT_NAME_KEY: ENGLISH_INTENT,
                        PREDICTED_CONFIDENCE_KEY: language["confidence"],
                    },
                    add_to_output=True,
                )
        return messages
