"""The conversation's language, decided on every user turn (custom slot mapping)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions._tracker import latest_intent
from bot.language import TextLanguage, next_language, page_language, words_of


class ActionDetectLanguage(Action):
    """Sets ``language`` (and remembers ``page_language``); see bot/language/policy.py."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message
        identified = message.get("language") or {}
        text = TextLanguage(
            code=identified.get("code"),
            confidence=float(identified.get("confidence") or 0.0),
            evidence=float(identified.get("evidence") or 0.0),
            words=words_of(message.get("text") or ""),
        )
        current, previous_page = tracker.get_slot("language"), tracker.get_slot("page_language")
        page = page_language(message.get("metadata"))
        language = next_language(
            current=current,
            previous_page=previous_page,
            page=page,
            text=text,
            intent=latest_intent(tracker),
        )
        events = []
        if language != current:
            events.append(SlotSet("language", language))
        if page is not None and page != previous_page:
            events.append(SlotSet("page_language", page))
        return events
