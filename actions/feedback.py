"""Thumbs up or down, and an optional comment, stored with the conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions._tracker import latest_intent, reply_language
from bot import feedback
from bot.db import default_engine
from bot.messages import text
from bot.privacy import redact

RATING_BY_INTENT = {"feedback_positive": "up", "feedback_negative": "down"}


class ActionStoreFeedback(Action):
    """Stores a rating (on a feedback intent) or the comment the feedback form collected."""

    def name(self) -> str:
        return "action_store_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        engine = default_engine()
        rating = RATING_BY_INTENT.get(latest_intent(tracker) or "")
        if rating:
            feedback.record_rating(engine, tracker.sender_id, rating, reply_language(tracker))
            return []
        comment = tracker.get_slot("feedback_comment")
        if comment:
            feedback.attach_comment(engine, tracker.sender_id, redact(comment))
        return [SlotSet("feedback_comment", None)]


class ActionAskFeedbackComment(Action):
    """The feedback form's question, with a button to skip it."""

    def name(self) -> str:
        return "action_ask_feedback_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        dispatcher.utter_message(
            text=text("ask_feedback_comment", language),
            buttons=[{"title": text("skip_button", language), "payload": "/deny"}],
        )
        return []
