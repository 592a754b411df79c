"""The resident's municipality: from the page metadata or from what they write."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.municipalities import find_in_text, resolve


class ActionExtractMunicipality(Action):
    """Custom slot mapping of ``municipality``: a mention in the message wins over metadata."""

    def name(self) -> str:
        return "action_extract_municipality"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message
        code = find_in_text(message.get("text") or "")
        if code is None and tracker.get_slot("municipality") is None:
            code = resolve((message.get("metadata") or {}).get("municipality"))
        if code is None or code == tracker.get_slot("municipality"):
            return []
        return [SlotSet("municipality", code)]
