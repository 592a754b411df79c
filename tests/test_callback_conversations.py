"""Callback requests through the real REST channel, in both languages (issue 4).

The resident clicks the same buttons the widget shows; a button sends its
payload, which is what these tests send too.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.callbacks.models import CallbackRequest
from bot.clock import FINLAND
from bot.db import default_engine, session_scope

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in replies for b in r.get("buttons", [])}


def saved(reference: str) -> CallbackRequest | None:
    with session_scope(default_engine()) as session:
        return session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one_or_none()


def start_callback(resident, need_message: str, button: str) -> list[dict]:
    replies = resident.says(need_message)
    assert button in buttons(replies), replies
    return resident.says(buttons(replies)[button])


def test_full_callback_request_in_finnish(resident):
    lohja = resident("fi")
    lohja.municipality = "444"
    replies = start_callback(lohja, "hammasta särkee ja poski on turvonnut", "Pyydä soittoa")
    assert "Mihin numeroon" in texts(replies)

    replies = lohja.says("12345")
    assert "ei näytä puhelinnumerolta" in texts(replies)
    assert "Mihin numeroon" in texts(replies)

    assert "Millä nimellä" in texts(lohja.says("040 123 4567"))
    replies = lohja.says("Matti")
    assert "Hammashoito" in texts(replies)
    assert "Milloin" in texts(lohja.says("paikka on turvoksissa kolmatta päivää"))
    summary = texts(lohja.says("Huomenna aamupäivällä"))
    assert "040 123 4567" in summary and "Matti" in summary and "aamupäivällä" in summary

    confirmation = texts(lohja.says("Kyllä, tallenna"))
    reference = REFERENCE.search(confirmation).group(0)
    request = saved(reference)
    assert request is not None and request.state == "new"
    assert request.phone == "+358401234567"
    assert request.need == "oral_health" and request.call_language == "fi"
    assert request.preferred_time == "tomorrow_morning"
    assert "turvoksissa" in request.topic


def test_full_callback_request_in_swedish_with_correction(resident):
    raseborg = resident("sv")
    raseborg.municipality = "710"
    replies = start_callback(raseborg, "min mamma klarar sig inte längre hemma", "Be om samtal")
    assert "Vilket nummer" in texts(replies)
    raseborg.says("+358 40 1234567")
    # Correcting the number at a later question, in the resident's own words.
    replies = raseborg.says("nej förlåt, numret är 050 765 4321")
    assert "050 765 4321" in texts(replies)
    raseborg.says("Hoppa över")
    raseborg.says("Inget att tillägga")
    summary = texts(raseborg.says("När som helst"))
    assert "050 765 4321" in summary and "040" not in summary
    assert "svenska" in summary

    confirmation = texts(raseborg.says("Ja, spara"))
    reference = REFERENCE.search(confirmation).group(0)
    request = saved(reference)
    assert request.phone == "+358507654321" and request.name is None
    assert request.call_language == "sv"


def test_cancelling_the_form_saves_nothing(resident):
    espoo = resident("fi")
    espoo.municipality = "049"
    start_callback(espoo, "tarvitsen apua toimeentulotuen hakemiseen", "Pyydä soittoa")
    espoo.says("0401234567")
    replies = espoo.says("peru koko juttu")
    assert "en tallentanut" in texts(replies)
    with session_scope(default_engine()) as session:
        rows = session.execute(
            select(CallbackRequest).where(CallbackRequest.conversation_id == espoo.sender)
        ).all()
    assert rows == []


def test_cancelling_a_saved_request_with_its_reference(resident):
    porvoo = resident("fi")
    porvoo.municipality = "638"
    start_callback(porvoo, "haluan kysyä kotihoidosta isälle", "Pyydä soittoa")
    for answer in ("050 123 4567", "Ohita", "Ei lisättävää", "Milloin vain"):
        porvoo.says(answer)
    reference = REFERENCE.search(texts(porvoo.says("kyllä"))).group(0)

    # Later, in a new conversation: the reference code is enough.
    later = resident("fi")
    replies = later.says(f"haluan perua soittopyynnön {reference}")
    assert reference in texts(replies)
    replies = later.says(buttons(replies)["Kyllä, peru"])
    assert "peruttu" in texts(replies)
    assert saved(reference).state == "cancelled"


def test_a_crisis_interrupts_the_callback_form(resident):
    espoo = resident("fi")
    espoo.municipality = "049"
    start_callback(espoo, "tarvitsen keskusteluapua, olen ollut tosi masentunut", "Pyydä soittoa")
    replies = espoo.says("en jaksa enää, aion tappaa itseni tänä yönä")
    routing = next(r["custom"] for r in replies if "custom" in r)
    assert routing["outcome"] == "emergency"
    assert "112" in texts(replies) or "09 2525 0111" in texts(replies)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday evening, after closing: the next working day, Monday.
        ("2026-11-27T19:30:00", "maanantaina 30.11."),
        # Christmas Eve (a holiday), Christmas and Boxing Day: Monday 28.12.
        ("2026-12-24T10:00:00", "maanantaina 28.12."),
    ],
)
def test_expected_call_time_follows_working_days(resident, clock, moment, expected):
    clock(datetime.fromisoformat(moment).replace(tzinfo=FINLAND))
    vihti = resident("fi")
    vihti.municipality = "927"
    start_callback(
        vihti, "korvaan sattuu ja on kuumetta, tarvitsen lääkärin tänään", "Pyydä soittoa"
    )
    for answer in ("040 765 4321", "Ohita", "Ei lisättävää", "Mahdollisimman pian"):
        vihti.says(answer)
    confirmation = texts(vihti.says("Kyllä, tallenna"))
    assert expected in confirmation, confirmation
