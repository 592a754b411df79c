"""Booking, moving and cancelling an appointment through the REST channel (issue 4)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.appointments.models import Booking
from bot.appointments.store import slot_store
from bot.clock import FINLAND
from bot.db import default_engine, session_scope
from bot.schedule import is_working_day, now_local

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


def slot_buttons(replies: list[dict]) -> list[dict]:
    return [b for b in buttons(replies) if b["payload"].startswith("/choose_slot")]


def slot_id(button: dict) -> str:
    return json.loads(button["payload"].removeprefix("/choose_slot"))["slot_id"]


def booking(reference: str) -> Booking:
    with session_scope(default_engine()) as session:
        return session.execute(select(Booking).where(Booking.reference == reference)).scalar_one()


def offered_times(resident, need_message: str) -> list[dict]:
    replies = resident.says(need_message)
    book = next(b for b in buttons(replies) if b["payload"] == "/book_appointment")
    offers = slot_buttons(resident.says(book["payload"]))
    assert 1 <= len(offers) <= 3
    return offers


@pytest.mark.parametrize(
    ("language", "municipality", "message", "booked", "moved", "cancelled"),
    [
        ("fi", "444", "tarviin hammaslääkärin, paikka lohkesi", "Aika on varattu",
         "Aika on siirretty", "Aika on peruttu"),
        ("sv", "710", "jag behöver tid till tandläkaren, en fyllning lossnade", "Tiden är bokad",
         "Tiden är flyttad", "Tiden är avbokad"),
    ],
)  # fmt: skip
def test_book_move_and_cancel(resident, language, municipality, message, booked, moved, cancelled):
    person = resident(language)
    person.municipality = municipality
    offers = offered_times(person, message)

    replies = person.says(offers[0]["payload"])
    assert booked in texts(replies)
    reference = REFERENCE.search(texts(replies)).group(0)
    first = booking(reference)
    assert first.state == "active" and str(first.slot_id) == slot_id(offers[0])

    move = next(b for b in buttons(replies) if b["payload"] == "/move_booking")
    new_offers = slot_buttons(person.says(move["payload"]))
    other = next(b for b in new_offers if slot_id(b) != slot_id(offers[0]))
    replies = person.says(other["payload"])
    assert moved in texts(replies)
    new_reference = REFERENCE.search(texts(replies)).group(0)
    assert booking(new_reference).state == "active"
    assert str(booking(new_reference).slot_id) == slot_id(other)
    if new_reference != reference:
        assert booking(reference).state != "active"

    cancel = next(b for b in buttons(replies) if b["payload"] == "/cancel_request")
    confirm = buttons(person.says(cancel["payload"]))
    replies = person.says(confirm[0]["payload"])
    assert cancelled in texts(replies)
    assert booking(new_reference).state == "cancelled"


def next_working_day_evening() -> datetime:
    day = now_local().date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(18, 0), tzinfo=FINLAND)


@pytest.mark.parametrize(
    ("language", "municipality", "message", "none_free", "callback", "ask_phone"),
    [
        ("fi", "927", "korvaan sattuu ja on kuumetta, tarvitsen lääkärin tänään",
         "Vapaita aikoja ei nyt löytynyt", "Pyydä soittoa", "Mihin numeroon"),
        ("sv", "710", "jag har ont i örat och feber, jag behöver en läkare i dag",
         "Jag hittade inga lediga tider", "Be om samtal", "Vilket nummer"),
    ],
)  # fmt: skip
def test_callback_offered_when_none_free_in_target(
    resident, clock, language, municipality, message, none_free, callback, ask_phone
):
    """Urgent care's target is the same day: at six in the evening today's
    times are over, and tomorrow's (free, but too late) are not offered."""
    evening = next_working_day_evening()
    clock(evening)
    store = slot_store()
    assert store.free_slots("urgent_care", municipality, language, after=evening) == []
    # Later days do have free times: only the target keeps them out.
    week_later = evening + timedelta(days=7)
    assert store.free_slots("urgent_care", municipality, language, evening, before=week_later)
    person = resident(language)
    person.municipality = municipality
    replies = person.says(message)
    assert "/book_appointment" in [b["payload"] for b in buttons(replies)], replies

    replies = person.says("/book_appointment")
    assert none_free in texts(replies)
    assert slot_buttons(replies) == []
    assert [(b["title"], b["payload"]) for b in buttons(replies)] == [
        (callback, "/request_callback")
    ]
    # The offered callback starts the callback request.
    assert ask_phone in texts(person.says(buttons(replies)[0]["payload"]))


def test_fifty_residents_race_for_five_times(resident):
    """50 parallel attempts on 5 free times: 5 bookings, 45 polite alternatives."""
    people = []
    for _ in range(50):
        person = resident("fi")
        person.municipality = "444"
        person.says("tarvitsen ajan hammaslääkärille")
        people.append(person)
    # The five earliest free times are what all fifty go for.
    free = slot_store().free_slots("oral_health", "444", "fi", after=now_local(), limit=5)
    targets = [str(offer.slot_id) for offer in free]
    assert len(targets) == 5
    payloads = [f'/choose_slot{{"slot_id": "{targets[i % 5]}"}}' for i in range(len(people))]
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(
            pool.map(lambda pair: pair[0].says(pair[1]), zip(people, payloads, strict=True))
        )
    booked = [r for r in results if "Aika on varattu" in texts(r)]
    refused = [r for r in results if "ehti varata" in texts(r)]
    assert len(booked) == 5
    assert len(refused) == 45
    with session_scope(default_engine()) as session:
        active = (
            session.execute(
                select(Booking).where(
                    Booking.state == "active", Booking.slot_id.in_([int(t) for t in targets])
                )
            )
            .scalars()
            .all()
        )
    assert sorted(str(b.slot_id) for b in active) == sorted(targets)
