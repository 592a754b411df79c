"""The callback request form: questions, answer checks and the submission.

What an answer means is decided in bot/answers.py, where and when the call
comes from in bot/callbacks/; these actions only talk. The confirmation is
sent only after the request is committed, so a resident is never told
"saved" about a request that was lost.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions._tracker import reply_language
from bot import answers, municipalities
from bot.callbacks.phone_drafts import forget_phone, keep_phone, masked, phone_of
from bot.callbacks.phones import format_phone, parse_phone
from bot.callbacks.service import CallbackDraft, submit_callback
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.privacy import redact
from bot.routing import callback_unit, urgent_need
from bot.topics import label

log = logging.getLogger(__name__)

SKIPPED = "-"
TIME_CHOICES = ("asap", "today", "tomorrow_morning", "tomorrow_afternoon", "any")
FORM_SLOTS = (
    "cb_phone",
    "cb_name",
    "cb_details",
    "cb_time",
    "cb_consent",
    "cb_language",
    "cb_cancelled",
    "cb_municipality",
)
MAX_NAME_CHARS = 80
MAX_DETAILS_CHARS = 500
# When even the fallback unit is unknown: the national number for care today.
NATIONAL_ADVICE_NUMBER = "116117"


def call_language(tracker: Tracker) -> str:
    return tracker.get_slot("cb_language") or reply_language(tracker)


def remember_phone(phone: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
    """Keeps the number out of the tracker store; the slot gets a masked form.

    None (after an apology) when the database cannot take it: the question is asked again.
    """
    try:
        with session_scope(default_engine()) as session:
            keep_phone(session, tracker.sender_id, phone)
    except (SQLAlchemyError, OSError):
        log.exception("Keeping a callback phone number failed")
        dispatcher.utter_message(
            text=text(
                "cb_phone_not_kept",
                reply_language(tracker),
                phone_alternative=NATIONAL_ADVICE_NUMBER,
            )
        )
        return None
    return masked(phone)


def is_kept_marker(value: Any, tracker: Tracker) -> bool:
    """The slot's own masked number, checked again when the form restarts (a retry)."""
    return isinstance(value, str) and "*" in value and value == tracker.get_slot("cb_phone")


def shown_phone(tracker: Tracker) -> str:
    """The full number for the resident's summary; the masked one if it cannot be read."""
    try:
        with session_scope(default_engine()) as session:
            phone = phone_of(session, tracker.sender_id)
    except (SQLAlchemyError, OSError):
        log.exception("Reading a callback phone number failed")
        phone = None
    return format_phone(phone) if phone else tracker.get_slot("cb_phone") or ""


def say_phone_missing(dispatcher: CollectingDispatcher, language: str) -> None:
    again = {"title": text("button_callback", language), "payload": "/request_callback"}
    dispatcher.utter_message(text=text("cb_phone_missing", language), buttons=[again])


def topic_text(tracker: Tracker, language: str) -> str:
    need = tracker.get_slot("last_need")
    return label(f"need_{need}", language) if need else text("cb_topic_general", language)


class ValidateCallbackForm(FormValidationAction):
    """Checks each answer; a phone number written at any step corrects the number."""

    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("cb_cancelled"):
            return []
        if tracker.get_slot("municipality") is not None:
            return [slot for slot in domain_slots if slot != "cb_municipality"]
        return domain_slots

    def _common(self, value: Any, slot: str, dispatcher, tracker) -> dict[str, Any] | None:
        """Cancelling and correcting the number work the same at every question."""
        language = reply_language(tracker)
        answer = str(value or "")
        if answers.is_cancel(answer):
            return {slot: SKIPPED, "cb_cancelled": True}
        phone = answers.phone_in(answer) if slot != "cb_phone" else None
        if phone:
            marker = remember_phone(phone, dispatcher, tracker)
            if marker is None:
                return {slot: None}
            dispatcher.utter_message(
                text=text("cb_phone_corrected", language, phone=format_phone(phone))
            )
            return {slot: None, "cb_phone": marker}
        return None

    def validate_cb_municipality(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        common = self._common(value, "cb_municipality", dispatcher, tracker)
        if common is not None:
            return common
        code = municipalities.find_in_text(str(value)) or municipalities.resolve(value)
        if code is None:
            dispatcher.utter_message(
                text=text("municipality_not_recognised", reply_language(tracker))
            )
            return {"cb_municipality": None}
        return {"cb_municipality": code, "municipality": code}

    def validate_cb_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if is_kept_marker(value, tracker):
            return {"cb_phone": value}
        common = self._common(value, "cb_phone", dispatcher, tracker)
        if common is not None:
            return common
        phone = parse_phone(str(value)) or answers.phone_in(str(value))
        if phone is None:
            dispatcher.utter_message(text=text("cb_phone_invalid", reply_language(tracker)))
            return {"cb_phone": None}
        return {"cb_phone": remember_phone(phone, dispatcher, tracker)}

    def validate_cb_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        common = self._common(value, "cb_name", dispatcher, tracker)
        if common is not None:
            return common
        name = " ".join(str(value).split())[:MAX_NAME_CHARS]
        if answers.is_skip(name) or name.startswith("/"):
            return {"cb_name": SKIPPED}
        return {"cb_name": redact(name) or SKIPPED}

    def validate_cb_details(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        common = self._common(value, "cb_details", dispatcher, tracker)
        if common is not None:
            return common
        details = " ".join(str(value).split())[:MAX_DETAILS_CHARS]
        if answers.is_skip(details) or details.startswith("/"):
            return {"cb_details": SKIPPED}
        # Identity codes and e-mail addresses have no place in a callback note.
        return {"cb_details": redact(details) or SKIPPED}

    def validate_cb_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value in TIME_CHOICES:
            return {"cb_time": value}  # an answer given earlier, checked again on a retry
        common = self._common(value, "cb_time", dispatcher, tracker)
        if common is not None:
            return common
        choice = answers.time_choice(str(value))
        if choice is None:
            dispatcher.utter_message(text=text("cb_time_unclear", reply_language(tracker)))
        return {"cb_time": choice}

    def validate_cb_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answer = str(value or "")
        change = answers.slot_to_change(answer)
        if change:
            return {"cb_consent": None, change: None}
        language_wanted = answers.language_choice(answer)
        if language_wanted:
            return {"cb_consent": None, "cb_language": language_wanted}
        common = self._common(value, "cb_consent", dispatcher, tracker)
        if common is not None:
            # A corrected number is shown again in the summary before saving.
            return {**common, "cb_consent": None} if "cb_phone" in common else common
        decision = answers.yes_or_no(answer)
        if decision is None:
            dispatcher.utter_message(text=text("cb_consent_unclear", reply_language(tracker)))
            return {"cb_consent": None}
        if decision is False:
            return {"cb_consent": "no", "cb_cancelled": True}
        return {"cb_consent": "yes", "cb_language": call_language(tracker)}


class AskSlotAction(Action):
    """One question of the form; subclasses name the slot and may add buttons."""

    slot: str = ""
    message_key: str = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        return []

    def values(self, language: str, tracker: Tracker) -> dict[str, Any]:
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        dispatcher.utter_message(
            text=text(self.message_key, language, **self.values(language, tracker)),
            buttons=self.buttons(language, tracker),
        )
        return []


def _button(key: str, language: str) -> dict[str, str]:
    """A button that sends its own words, so clicking and typing take one path."""
    title = text(key, language)
    return {"title": title, "payload": title}


class AskMunicipality(AskSlotAction):
    slot = "cb_municipality"
    message_key = "cb_ask_municipality"


class AskPhone(AskSlotAction):
    slot = "cb_phone"
    message_key = "cb_ask_phone"

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        return [_button("button_cancel", language)]


class AskName(AskSlotAction):
    slot = "cb_name"
    message_key = "cb_ask_name"

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        return [_button("skip_button", language)]


class AskDetails(AskSlotAction):
    slot = "cb_details"
    message_key = "cb_ask_details"

    def values(self, language: str, tracker: Tracker) -> dict[str, Any]:
        return {"topic": topic_text(tracker, language)}

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        return [_button("button_nothing_to_add", language)]


class AskTime(AskSlotAction):
    slot = "cb_time"
    message_key = "cb_ask_time"

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        return [_button(f"time_{choice}", language) for choice in TIME_CHOICES]


class AskConsent(AskSlotAction):
    """The summary of every answer, with a way to change each before saving."""

    slot = "cb_consent"
    message_key = "cb_ask_consent"

    def values(self, language: str, tracker: Tracker) -> dict[str, Any]:
        name = tracker.get_slot("cb_name")
        details = tracker.get_slot("cb_details")
        topic = topic_text(tracker, language)
        return {
            "phone": shown_phone(tracker),
            "name": name if name and name != SKIPPED else text("cb_no_name", language),
            "topic": f"{topic}: {details}" if details and details != SKIPPED else topic,
            "time": text(f"time_{tracker.get_slot('cb_time') or 'any'}", language),
            "call_language": text(f"language_name_{call_language(tracker)}", language),
        }

    def buttons(self, language: str, tracker: Tracker) -> list[dict[str, str]]:
        keys = ("button_save", "button_change_phone", "button_change_time")
        buttons = [_button(key, language) for key in keys]
        # Offer the other language of the call in the words of the chat's language.
        other = "sv" if call_language(tracker) == "fi" else "fi"
        buttons.append(
            {
                "title": text("button_call_in_other_language", language)
                if other != language
                else text(f"language_name_{other}", language).capitalize(),
                "payload": text(f"language_name_{other}", language),
            }
        )
        buttons.append(_button("button_cancel", language))
        return buttons


class ActionSubmitCallback(Action):
    """Saves the request (or not) and says so; the form's answers are then forgotten."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.get_slot("cb_cancelled") or tracker.get_slot("cb_consent") != "yes":
            dispatcher.utter_message(text=text("cb_cancelled", language))
            return reset
        need = tracker.get_slot("last_need") or "service_info"
        municipality = tracker.get_slot("municipality")
        details = tracker.get_slot("cb_details")
        name = tracker.get_slot("cb_name")
        unit = None
        try:
            with session_scope(default_engine()) as session:
                phone = phone_of(session, tracker.sender_id)
                if phone is None:
                    # Gone: the retention job or a deleted conversation removed it.
                    say_phone_missing(dispatcher, language)
                    return reset
                unit = callback_unit(session, need, municipality, language)
                draft = CallbackDraft(
                    conversation_id=tracker.sender_id,
                    need=need,
                    topic=details if details and details != SKIPPED else "",
                    phone=phone,
                    name=name if name and name != SKIPPED else None,
                    call_language=call_language(tracker),
                    preferred_time=tracker.get_slot("cb_time") or "any",
                    urgent=urgent_need(need),
                    service_id=unit.service_id if unit else None,
                    channel_id=unit.channel_id if unit else None,
                    consent=True,
                )
                request, created = submit_callback(session, draft)
                # In the same transaction: the number now lives in the request only.
                forget_phone(session, tracker.sender_id)
                reference, when = request.reference, request.expected_text(language)
                unit_name = unit.name(language) if unit else text("cb_unit_fallback", language)
            # Leaving the session scope committed the request: only now confirm it.
        except (SQLAlchemyError, OSError):
            log.exception("Saving a callback request failed")
            phone_alternative = (unit.phone if unit else None) or NATIONAL_ADVICE_NUMBER
            dispatcher.utter_message(
                text=text("cb_save_failed", language, phone_alternative=phone_alternative),
                buttons=[{"title": text("button_retry", language), "payload": "/request_callback"}],
            )
            # The answers stay: retrying shows the summary again, nothing to retype.
            return [SlotSet("cb_consent", None)]
        key = "cb_confirmed" if created else "cb_already_saved"
        dispatcher.utter_message(
            text=text(
                key,
                language,
                reference=reference,
                unit=unit_name,
                phone=format_phone(draft.phone),
                when=when,
            )
        )
        return [*reset, SlotSet("callback_reference", reference)]
