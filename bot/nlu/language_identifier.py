"""Rasa NLU component: the language of each message's text, alone.

Adds ``language: {"code": "fi" | "sv" | "en" | None, "confidence": float}``
to the parse output (shared/domain/CONTRACT.md) and keeps the evidence margin
and word count for the conversation's language decision (bot.language.policy).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import identify
from bot.nlu.base import ConfiguredComponent

LANGUAGE_KEY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageIdentifier(ConfiguredComponent):
    """Identifies Finnish, Swedish or English; see bot/language/identifier.py."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            guess = identify(message.get(TEXT) or "")
            message.set(
                LANGUAGE_KEY,
                {**guess.as_dict(), "evidence": round(guess.evidence, 3), "words": guess.words},
                add_to_output=True,
            )
        return messages
