"""No dead ends (issue 3): an unclear message still gets services and a callback offer.

The fallback actions run against the real catalogue database of the running
stack, with a rasa-sdk tracker holding the resident's words.
"""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionAskAffirmationTopics, ActionDefaultFallback

pytestmark = pytest.mark.stack


def tracker(text: str, language: str, municipality: str | None) -> Tracker:
    return Tracker(
        sender_id="no-dead-ends",
        slots={"language": language, "municipality": municipality},
        latest_message={
            "text": text,
            "intent": {"name": "nlu_fallback", "confidence": 0.3},
            "intent_ranking": [{"name": "need_financial_difficulty", "confidence": 0.3}],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, text: str, language: str, municipality: str | None) -> list[dict]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(text, language, municipality), {})
    return dispatcher.messages


@pytest.mark.parametrize(
    ("text", "language", "municipality"),
    [
        ("ulosotto ja velat kasvaa, en tiedä mitä tehdä", "fi", "444"),
        ("var får man hjälpmedel som rullator", "sv", "710"),
    ],
)
async def test_the_final_fallback_offers_catalogue_matches_and_a_callback(
    stack, text, language, municipality
):
    messages = await run(ActionDefaultFallback(), text, language, municipality)
    payload = next(m["custom"] for m in messages if m.get("custom"))
    assert payload["type"] == "search_results" and payload["services"]
    assert all(s["provider_type"] for s in payload["services"])
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert "/request_callback" in buttons
    first_text = messages[0]["text"]
    assert payload["services"][0]["name"] in first_text


async def test_stage_one_offers_topics_matches_and_a_callback(stack):
    messages = await run(
        ActionAskAffirmationTopics(), "ulosottomies soitti ja velkaa on paljon", "fi", "444"
    )
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert buttons[0] == "/need_financial_difficulty"
    assert "/request_callback" in buttons and buttons[-1] == "/out_of_scope"
    assert any(m.get("custom", {}).get("type") == "search_results" for m in messages)


async def test_gibberish_still_gets_a_way_forward(stack):
    messages = await run(ActionDefaultFallback(), "qwzx plorf", "fi", "444")
    assert "112" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/request_callback"]
