"""The two-stage fallback's three steps, with labelled topic buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions._tracker import reply_language
from bot.messages import text
from bot.topics import OTHER_TOPIC, label, likeliest_topics


class ActionAskAffirmationTopics(Action):
    """Stage 1: instead of Rasa's "Did you mean 'intent_name'?", the likeliest topics.

    A topic button sends that intent, which ends the fallback as a
    clarification; "something else" sends out_of_scope, which leads to
    stage 2 (Rasa's TwoStageFallbackAction decides).
    """

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = [
            {"title": label(topic, language), "payload": f"/{topic}"}
            for topic in likeliest_topics(ranking) + [OTHER_TOPIC]
        ]
        dispatcher.utter_message(text=text("ask_affirmation_topics", language), buttons=buttons)
        return []


class ActionAskRephrase(Action):
    """Stage 2: ask the resident to say it in other words."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("ask_rephrase", reply_language(tracker)))
        return []


class ActionDefaultFallback(Action):
    """Given up: say so, point to people and the safety numbers, forget the message."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("default_fallback", reply_language(tracker)))
        # Like Rasa's own default: the message did not count, so it must not
        # steer the next prediction.
        return [UserUtteranceReverted()]
