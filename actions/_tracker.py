"""Small readers of the rasa-sdk tracker shared by the actions."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.language import DEFAULT_LANGUAGE


def reply_language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or DEFAULT_LANGUAGE


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")
