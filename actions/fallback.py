"""The two-stage fallback's three steps, with labelled topic buttons."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions._tracker import reply_language
from bot.catalogue.search import search_services
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.replies import service_lines
from bot.topics import OTHER_TOPIC, label, likeliest_topics

log = logging.getLogger(__name__)


def catalogue_matches(tracker: Tracker, language: str) -> tuple[list[str], dict | None]:
    """No dead ends: services matching the resident's own words, as lines and a payload.

    The payload is not a routing payload (no need was recognised): type
    "search_results", with the same service summaries, so the widget can
    show the same cards.
    """
    words = tracker.latest_message.get("text") or ""
    municipality = tracker.get_slot("municipality")
    try:
        with session_scope(default_engine()) as session:
            hits = search_services(session, words, language, municipality)
            lines = service_lines([hit.service for hit in hits], language)
            summaries = [hit.summary(language) for hit in hits]
    except SQLAlchemyError:
        log.exception("Catalogue search failed; answering without matches")
        return [], None
    if not hits:
        return [], None
    payload = {
        "type": "search_results",
        "language": language,
        "municipality": municipality,
        "services": summaries,
    }
    return lines, payload


def callback_button(language: str) -> dict[str, str]:
    return {"title": text("button_callback", language), "payload": "/request_callback"}


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
            for topic in likeliest_topics(ranking)
        ]
        lines, payload = catalogue_matches(tracker, language)
        message = text("ask_affirmation_topics", language)
        if payload:
            message += "\n" + "\n".join([text("search_matches", language), *lines])
            buttons.append(callback_button(language))
        buttons.append({"title": label(OTHER_TOPIC, language), "payload": f"/{OTHER_TOPIC}"})
        dispatcher.utter_message(text=message, buttons=buttons)
        if payload:
            dispatcher.utter_message(json_message=payload)
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
        language = reply_language(tracker)
        lines, payload = catalogue_matches(tracker, language)
        if payload:
            dispatcher.utter_message(
                text="\n".join([text("search_matches_fallback", language), *lines]),
                buttons=[callback_button(language)],
            )
            dispatcher.utter_message(json_message=payload)
        else:
            dispatcher.utter_message(
                text=text("default_fallback", language), buttons=[callback_button(language)]
            )
        # Like Rasa's own default: the message did not count, so it must not
        # steer the next prediction.
        return [UserUtteranceReverted()]
