"""The safety net as an NLU component (bot/nlu/safety_net.py): what overrides the classifier."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety_net import SAFETY_KEY, SafetyNet
from bot.nlu.unknown_words import UnknownWordsFallback

FALLBACK = "nlu_fallback"


def classified(text: str, ranking: dict[str, float], intent: str = FALLBACK) -> Message:
    """A message as the classifiers before the safety net leave it."""
    message = Message.build(text)
    message.set("intent", {"name": intent, "confidence": ranking.get(intent, 0.2)})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking.items()])
    return message


def after_safety_net(message: Message) -> str:
    SafetyNet(SafetyNet.get_default_config()).process([message])
    return message.get("intent")["name"]


def test_a_danger_sign_wins_over_any_intent() -> None:
    message = classified("isä ei hengitä", {"need_oral_health": 0.9}, intent="need_oral_health")
    assert after_safety_net(message) == "need_emergency"
    assert message.get(SAFETY_KEY)["need"] == "emergency"


def test_an_unsure_crisis_guess_wins() -> None:
    message = classified(
        "en tiedä miten tästä yöstä selviää",
        {FALLBACK: 0.2, "need_mental_health_crisis": 0.18, "need_mental_health": 0.17},
    )
    assert after_safety_net(message) == "need_mental_health_crisis"


def test_a_cry_for_help_now_is_not_a_form_answer() -> None:
    # "heti" also answers the callback form's "when", but may be a cry for help.
    message = classified("apua heti", {FALLBACK: 0.2, "need_emergency": 0.15, "help": 0.12})
    assert after_safety_net(message) == "need_emergency"


def test_gibberish_is_no_crisis_guess() -> None:
    message = classified(
        "blorp zzkx qwe", {FALLBACK: 0.2, "need_emergency": 0.08, "need_health_nonurgent": 0.07}
    )
    assert after_safety_net(message) == FALLBACK


def test_a_message_without_a_plausible_word_gets_no_guess_however_strong() -> None:
    message = classified(
        "blorp zzkx qwe", {FALLBACK: 0.2, "need_emergency": 0.15, "need_health_nonurgent": 0.07}
    )
    UnknownWordsFallback(UnknownWordsFallback.get_default_config()).process([message])
    assert after_safety_net(message) == FALLBACK


@pytest.mark.parametrize(
    "answer", ["Huomenna aamupäivällä", "avbryt alltihop", "peru koko juttu", "hoppa över"]
)
def test_a_forms_own_answers_are_no_crisis_guess(answer: str) -> None:
    message = classified(answer, {FALLBACK: 0.2, "need_mental_health_crisis": 0.16, "greet": 0.1})
    assert after_safety_net(message) == FALLBACK


def test_a_longer_message_with_a_form_word_is_still_read() -> None:
    # Only a short reply is just an answer; this one says more.
    message = classified(
        "peru kaikki, en jaksa enää tätä elämää",
        {FALLBACK: 0.2, "need_mental_health_crisis": 0.19, "need_mental_health": 0.18},
    )
    assert after_safety_net(message) == "need_mental_health_crisis"


@pytest.mark.parametrize("text", ["oon 14 ja isä lyö mua", "ja e 15 och pappa slår mig"])
def test_a_writer_under_18_who_is_hit_is_a_child_welfare_matter(text: str) -> None:
    message = classified(text, {"need_domestic_violence": 0.6}, intent="need_domestic_violence")
    assert after_safety_net(message) == "need_child_welfare_concern"
    assert message.get(SAFETY_KEY)["need"] == "child_welfare_concern"


def test_an_adult_who_is_hit_stays_domestic_violence() -> None:
    message = classified(
        "olen 45 ja mieheni lyö minua", {"need_family_services": 0.4}, intent="need_family_services"
    )
    assert after_safety_net(message) == "need_domestic_violence"


def test_a_young_person_hit_by_a_boyfriend_is_domestic_violence() -> None:
    message = classified(
        "oon 16 ja poikaystävä löi mua", {"need_youth_support": 0.4}, intent="need_youth_support"
    )
    assert after_safety_net(message) == "need_domestic_violence"
