"""The booking adapter: the chat actions with another booking system behind SlotStore.

NEUVO_SLOT_STORE names the system's factory (bot/appointments/store.py); the
actions run in-process here with rasa-sdk's own Tracker and dispatcher.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionBookSlot, ActionConfirmCancel, ActionOfferSlots
from bot.appointments.store import slot_store
from bot.clock import now
from bot.messages import text as message_text
from tests.booking_system import InMemoryBookingSystem


def tracker(text: str = "", **slots) -> Tracker:
    slots = {"language": "sv", "last_need": "oral_health", "municipality": "091", **slots}
    return Tracker(
        sender_id="adapter-test",
        slots=slots,
        latest_message={"text": text, "intent": {"name": "book_appointment"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action, current: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, {}))
    return dispatcher.messages, events


@pytest.fixture
def external(monkeypatch) -> None:
    monkeypatch.setenv("NEUVO_SLOT_STORE", "tests.booking_system:InMemoryBookingSystem")


def test_the_setting_chooses_the_booking_system(external) -> None:
    assert isinstance(slot_store(), InMemoryBookingSystem)


def test_a_bad_setting_says_what_it_should_look_like(monkeypatch) -> None:
    monkeypatch.setenv("NEUVO_SLOT_STORE", "tests.booking_system.InMemoryBookingSystem")
    with pytest.raises(ValueError, match="package.module:factory"):
        slot_store()


def free_ids() -> list[int]:
    return [o.slot_id for o in slot_store().free_slots("oral_health", "091", "sv", after=now())]


def test_offer_book_and_cancel_through_another_booking_system(external) -> None:
    messages, _ = run(ActionOfferSlots(), tracker())
    assert [b["payload"] for b in messages[0]["buttons"]][:3] == [
        f'/choose_slot{{"slot_id": "{n}"}}' for n in (1, 2, 3)
    ]

    messages, events = run(ActionBookSlot(), tracker(slot_id="2"))
    reference = next(e["value"] for e in events if e.get("name") == "booking_reference")
    assert slot_store().find(reference).active and free_ids() == [1, 3]
    said = messages[0]["text"]
    assert "Tandvården i det externa systemet" in said and reference in said

    # Cancelled with its code, also from another conversation.
    messages, _ = run(ActionConfirmCancel(), tracker(f"avboka {reference}"))
    assert not slot_store().find(reference).active and free_ids() == [1, 2, 3]
    assert messages[0]["text"] == message_text("cancel_done_booking", "sv")


def test_a_booking_system_that_is_down_gets_an_apology_with_a_number(monkeypatch) -> None:
    monkeypatch.setenv("NEUVO_SLOT_STORE", "tests.booking_system:UnavailableBookingSystem")
    apology = message_text("book_failed", "sv", phone_alternative="116117")
    for action, current in (
        (ActionOfferSlots(), tracker()),
        (ActionBookSlot(), tracker(slot_id="1")),
    ):
        messages, _ = run(action, current)
        assert [m["text"] for m in messages] == [apology]
