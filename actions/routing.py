"""Routing a need to services: one action, the decisions are in bot/routing.py."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions._tracker import latest_intent, reply_language
from bot.db import default_engine, session_scope
from bot.language import is_english_small_talk, words_of
from bot.messages import text
from bot.nlu.safety_net import NEED_INTENT_PREFIX, SAFETY_KEY
from bot.recipient import who_for
from bot.replies import routing_text
from bot.routing import allowed_outcomes, needs_municipality, next_steps, route

# Intents that name a need without its prefix: someone writing in English needs
# service in another language, which is what immigrant_services covers
# (shared/domain/needs.yml).
NEED_OF_INTENT = {"english": "immigrant_services"}

# Next-step buttons: the intent each sends.
STEP_BUTTONS = {
    "book": ("button_book", "/book_appointment"),
    "callback": ("button_callback", "/request_callback"),
    "other_options": ("button_other_options", "/other_options"),
}


class ActionRouteNeed(Action):
    """Answers a need with services from the catalogue and the routing payload.

    Crises are answered at once with the national numbers; other needs wait
    for the municipality (asked once, then remembered).
    """

    def name(self) -> str:
        return "action_route_need"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        intent = latest_intent(tracker) or ""
        need = (
            intent.removeprefix(NEED_INTENT_PREFIX)
            if intent.startswith(NEED_INTENT_PREFIX)
            else NEED_OF_INTENT.get(intent)
        )
        need = need if need in allowed_outcomes() else tracker.get_slot("pending_need")
        municipality = tracker.get_slot("municipality")
        message = tracker.latest_message.get("text") or ""
        # "Äidille", "min son": said with the need. Only the answer to "where do
        # you live?" keeps what was said with the need it completes; a new need
        # says for whom itself.
        said = who_for(message, language)
        completes_pending = need is not None and need == tracker.get_slot("pending_need")
        recipient = said or (tracker.get_slot("recipient") if completes_pending else None)
        if need is None:
            # A municipality alone, with no need yet: ask what the matter is.
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        if intent in NEED_OF_INTENT and (
            municipality is None or is_english_small_talk(words_of(message))
        ):
            # The bilingual note has been said. Asking for a municipality in
            # Finnish or Swedish would not help someone writing English, and
            # "thank you very much" asks for no service.
            return []
        # The safety net saw danger signs in the words (a child being hit, say):
        # answer at once, with the emergency first.
        in_danger = tracker.latest_message.get(SAFETY_KEY) is not None
        if needs_municipality(need, in_danger) and municipality is None:
            key = (
                "municipality_not_recognised"
                if intent == "inform_municipality"
                else "ask_municipality"
            )
            dispatcher.utter_message(text=text(key, language))
            return [SlotSet("pending_need", need), SlotSet("recipient", recipient)]
        with session_scope(default_engine(), read_only=True) as session:
            routing = route(session, need, language, municipality, recipient, in_danger, message)
            reply, payload, steps = routing_text(routing), routing.payload(), next_steps(routing)
        buttons = [
            {"title": text(STEP_BUTTONS[step][0], language), "payload": STEP_BUTTONS[step][1]}
            for step in steps
        ]
        dispatcher.utter_message(text=reply, buttons=buttons)
        dispatcher.utter_message(json_message=payload)
        return [
            SlotSet("pending_need", None),
            SlotSet("last_need", need),
            SlotSet("recipient", recipient),
        ]
