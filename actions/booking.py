"""Booking, moving and cancelling appointments, cancelling callbacks, other options.

Free times and bookings come from a SlotStore (bot/appointments/store.py):
the built-in store or a real booking system behind the same interface. The
database, not this code, guarantees that no time is booked twice.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions._tracker import latest_intent, reply_language
from actions.callback import NATIONAL_ADVICE_NUMBER
from bot.appointments.store import BookingRecord, SlotOffer, SlotStoreUnavailable, slot_store
from bot.callbacks.references import find_reference
from bot.callbacks.service import cancel_callback, find_callback
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.replies import routing_text
from bot.routing import other_options
from bot.schedule import format_slot_time, now_local

log = logging.getLogger(__name__)


def _offer_buttons(offers: list[SlotOffer], language: str) -> list[dict[str, str]]:
    return [
        {
            "title": f"{format_slot_time(offer.starts_at, language)} · {offer.unit_name(language)}",
            "payload": f'/choose_slot{{"slot_id": "{offer.slot_id}"}}',
        }
        for offer in offers
    ]


def _callback_button(language: str) -> dict[str, str]:
    return {"title": text("button_callback", language), "payload": "/request_callback"}


def _offer(dispatcher: CollectingDispatcher, tracker: Tracker, intro_key: str) -> bool:
    """Offers the earliest free times; a callback instead when none is free in time."""
    language = reply_language(tracker)
    offers = slot_store().free_slots(
        need=tracker.get_slot("last_need"),
        municipality=tracker.get_slot("municipality"),
        language=language,
        after=now_local(),
    )
    if not offers:
        dispatcher.utter_message(
            text=text("book_none_free", language), buttons=[_callback_button(language)]
        )
        return False
    dispatcher.utter_message(
        text=text(intro_key, language), buttons=_offer_buttons(offers, language)
    )
    return True


class ActionOfferSlots(Action):
    """The three earliest suitable free times, as buttons (also for moving a booking)."""

    def name(self) -> str:
        return "action_offer_slots"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        if tracker.get_slot("last_need") is None:
            dispatcher.utter_message(text=text("which_need_first", language))
            return []
        if tracker.get_slot("municipality") is None:
            dispatcher.utter_message(text=text("ask_municipality", language))
            return [SlotSet("pending_need", tracker.get_slot("last_need"))]
        moving = latest_intent(tracker) == "move_booking" and bool(
            tracker.get_slot("booking_reference")
        )
        try:
            _offer(dispatcher, tracker, "book_offer_move" if moving else "book_offer")
        except (SQLAlchemyError, SlotStoreUnavailable):
            log.exception("Reading free times failed")
            dispatcher.utter_message(
                text=text("book_failed", language, phone_alternative=NATIONAL_ADVICE_NUMBER)
            )
        return [SlotSet("booking_moving", moving)]


class ActionBookSlot(Action):
    """Books (or moves to) the chosen time; a time taken meanwhile gets fresh offers."""

    def name(self) -> str:
        return "action_book_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        slot_id = tracker.get_slot("slot_id")
        reference = tracker.get_slot("booking_reference")
        moving = bool(tracker.get_slot("booking_moving") and reference)
        try:
            store = slot_store()
            if moving:
                booking = store.move(reference, tracker.sender_id, slot_id)
            else:
                booking = store.book(
                    slot_id, tracker.sender_id, tracker.get_slot("last_need"), language
                )
        except (SQLAlchemyError, SlotStoreUnavailable):
            log.exception("Booking failed")
            dispatcher.utter_message(
                text=text("book_failed", language, phone_alternative=NATIONAL_ADVICE_NUMBER)
            )
            return [SlotSet("slot_id", None)]
        if booking is None:
            dispatcher.utter_message(text=text("book_taken", language))
            _offer(dispatcher, tracker, "book_offer")
            return [SlotSet("slot_id", None)]
        offer = booking.offer
        address = f", {offer.address(language)}" if offer.address(language) else ""
        if offer.demo:
            address += f" ({text('demo_mark', language)})"
        dispatcher.utter_message(
            text=text(
                "book_moved" if moving else "book_confirmed",
                language,
                when=format_slot_time(offer.starts_at, language),
                unit=offer.unit_name(language),
                address=address,
                reference=booking.reference,
            ),
            buttons=[
                {"title": text("button_move", language), "payload": "/move_booking"},
                {"title": text("button_cancel_booking", language), "payload": "/cancel_request"},
            ],
        )
        return [
            SlotSet("slot_id", None),
            SlotSet("booking_moving", False),
            SlotSet("booking_reference", booking.reference),
        ]


def _reference(tracker: Tracker) -> str | None:
    """A code the resident wrote, else this conversation's latest booking or request."""
    written = find_reference(tracker.latest_message.get("text") or "")
    return (
        written
        or tracker.get_slot("reference")
        or tracker.get_slot("booking_reference")
        or tracker.get_slot("callback_reference")
    )


def _find_booking(reference: str | None) -> BookingRecord | None:
    """The booking with the code; None also when the booking system is down, so
    that a callback request with the code can still be found and cancelled."""
    if not reference:
        return None
    try:
        return slot_store().find(reference)
    except (SQLAlchemyError, SlotStoreUnavailable):
        log.exception("Looking up a booking failed")
        return None


def _cancel_booking(reference: str) -> bool:
    # The code is the key, as for callback requests: a resident who comes
    # back in a new conversation (another device, a closed tab) can cancel.
    try:
        return slot_store().cancel(reference, conversation_id=None)
    except (SQLAlchemyError, SlotStoreUnavailable):
        log.exception("Cancelling a booking failed")
        return False


class ActionCancelRequest(Action):
    """Asks before cancelling: which booking or callback request, shown in words."""

    def name(self) -> str:
        return "action_cancel_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        reference = _reference(tracker)
        booking = _find_booking(reference)
        confirm = [
            {
                "title": text("button_confirm_cancel", language),
                "payload": f'/confirm_cancel{{"reference": "{reference}"}}',
            }
        ]
        if booking is not None and booking.active:
            dispatcher.utter_message(
                text=text(
                    "cancel_ask_booking",
                    language,
                    when=format_slot_time(booking.offer.starts_at, language),
                    unit=booking.offer.unit_name(language),
                ),
                buttons=confirm,
            )
            return []
        with session_scope(default_engine()) as session:
            request = find_callback(session, reference) if reference else None
            open_request = request is not None and request.state in ("new", "claimed", "no_answer")
        if open_request:
            dispatcher.utter_message(
                text=text("cancel_ask_callback", language, reference=reference), buttons=confirm
            )
            return []
        dispatcher.utter_message(text=text("cancel_not_found", language))
        return []


class ActionConfirmCancel(Action):
    """Cancels the booking or callback request the resident confirmed."""

    def name(self) -> str:
        return "action_confirm_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        reference = _reference(tracker)
        if reference and _cancel_booking(reference):
            dispatcher.utter_message(text=text("cancel_done_booking", language))
            return [SlotSet("booking_reference", None), SlotSet("reference", None)]
        with session_scope(default_engine()) as session:
            cancelled = reference and cancel_callback(session, reference, conversation_id=None)
        if cancelled:
            dispatcher.utter_message(text=text("cancel_done_callback", language))
            return [SlotSet("callback_reference", None), SlotSet("reference", None)]
        dispatcher.utter_message(text=text("cancel_not_found", language))
        return [SlotSet("reference", None)]


class ActionOtherOptions(Action):
    """The need's other allowed outcomes, with the routing payload."""

    def name(self) -> str:
        return "action_other_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = reply_language(tracker)
        need = tracker.get_slot("last_need")
        if need is None:
            dispatcher.utter_message(text=text("which_need_first", language))
            return []
        with session_scope(default_engine()) as session:
            routing = other_options(
                session,
                need,
                language,
                tracker.get_slot("municipality"),
                tracker.get_slot("recipient"),
            )
            reply = routing_text(routing) if routing else None
            payload = routing.payload() if routing else None
        if routing is None:
            dispatcher.utter_message(
                text=text("other_options_none", language), buttons=[_callback_button(language)]
            )
            return []
        dispatcher.utter_message(
            text=f"{text('other_options_intro', language)}\n{reply}",
            buttons=[_callback_button(language)],
        )
        dispatcher.utter_message(json_message=payload)
        return []
