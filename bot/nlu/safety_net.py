"""Rasa NLU component: danger signs override the classifier (bot/safety.py).

Last in the pipeline. When the words of a message show a danger sign, the
intent becomes that crisis need (confidence 1.0), whatever DIET said; when
the classifier was unsure (nlu_fallback) but its best guess was a crisis
need, that guess wins too, so an unclear crisis is never asked to rephrase.

Not every unsure guess is a guess, though. Gibberish spreads the ranking
near zero, so some crisis need may lead it by chance ("blorp zzkx qwe"): a
message without one plausible word (bot/nlu/unknown_words.py) gets no guess,
and a guess must reach ``min_guess``. And a form's own short answers ("Huomenna
aamupäivällä", "avbryt alltihop") are answers: a crisis intent would
interrupt the form they answer.
"""

from __future__ import annotations

import re
from typing import Any

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

from bot.answers import is_form_reply
from bot.nlu.age import writer_is_minor
from bot.nlu.base import ConfiguredComponent
from bot.nlu.unknown_words import GIBBERISH_KEY
from bot.routing import CRISIS_NEEDS
from bot.safety import DangerSign, danger_sign

NEED_INTENT_PREFIX = "need_"
CRISIS_INTENTS = {NEED_INTENT_PREFIX + need for need in CRISIS_NEEDS}
SAFETY_KEY = "safety"
DOMESTIC_VIOLENCE = "domestic_violence"
CHILD_WELFARE = "child_welfare_concern"
# A parent or carer: a child hit by one is a child-welfare matter; a young
# person hit by a boyfriend is domestic violence (docs/need_labels.md).
_CARER = re.compile(
    r"\b(?:isä|iskä|isi\b|faija|äiti|äidi|äipp|mutsi|vanhem|huoltaja|pappa|mamma|far\b|farsa|"
    r"mor\b|morsa|styv|förälder|föräldr|vårdnadshavar)",
    re.IGNORECASE,
)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Half the fallback threshold (config.yml). On the development sets
        # every unsure crisis guess of a real message was near 0.2; the
        # gibberish of tests/test_conversations.py led with 0.08, and with
        # 0.105 once the blend leaned to the linear model: hence the
        # gibberish mark too.
        return {"min_guess": 0.1}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            sign = danger_sign(message.get(TEXT) or "")
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if sign is not None:
                need = self._need_of(sign, intent, message.get(TEXT) or "")
                message.set(SAFETY_KEY, {"need": need, "matched": sign.matched}, True)
                self._set_intent(message, NEED_INTENT_PREFIX + need)
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY)]
            guesses = [r for r in ranking if r[INTENT_NAME_KEY] != DEFAULT_NLU_FALLBACK_INTENT_NAME]
            if (
                intent == DEFAULT_NLU_FALLBACK_INTENT_NAME
                and guesses
                and guesses[0][INTENT_NAME_KEY] in CRISIS_INTENTS
                and guesses[0][PREDICTED_CONFIDENCE_KEY] >= self.config["min_guess"]
                and not is_form_reply(message.get(TEXT) or "")
                and not message.get(GIBBERISH_KEY)
            ):
                self._set_intent(message, guesses[0][INTENT_NAME_KEY])
        return messages

    @staticmethod
    def _need_of(sign: DangerSign, intent: str | None, text: str) -> str:
        """The words of violence do not say who is hit. When the classifier read
        the message as a worry for a child, or the writer says they are under
        18 and names a parent, a child is the one hit: a child-welfare matter
        (docs/need_labels.md), which routing answers as an emergency too."""
        writer_is_a_child_of_the_home = writer_is_minor(text) and _CARER.search(text)
        if sign.need == DOMESTIC_VIOLENCE and (
            intent == NEED_INTENT_PREFIX + CHILD_WELFARE or writer_is_a_child_of_the_home
        ):
            return CHILD_WELFARE
        return sign.need

    @staticmethod
    def _set_intent(message: Message, name: str) -> None:
        message.set(INTENT, {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}, True)
