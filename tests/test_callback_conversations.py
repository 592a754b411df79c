"""Callback requests through the real REST channel, in both languages (issue 4).

The resident clicks the same buttons the widget shows; a button sends its
payload, which is what these tests send too.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from actions.callback import TIME_CHOICES
from bot.callbacks.models import CallbackRequest
from bot.clock import FINLAND
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.routing import CRISIS_NEEDS
from tests.conftest import post_json

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")

# The buttons' words and the replies' key phrases, in the chat's language.
WORDS = {
    "fi": {
        "callback": "Pyydä soittoa",
        "ask_phone": "Mihin numeroon",
        "phone_invalid": "ei näytä puhelinnumerolta",
        "ask_name": "Millä nimellä",
        "skip": "Ohita",
        "nothing_to_add": "Ei lisättävää",
        "any_time": "Milloin vain",
        "asap": "Mahdollisimman pian",
        "save": "Kyllä, tallenna",
        "saved": "Soittopyyntö on tallennettu",
        "already_saved": "oli jo tallennettu",
        "not_saved": "en tallentanut",
        "cancel": "haluan perua soittopyynnön",
        "confirm_cancel": "Kyllä, peru",
        "cancelled": "Soittopyyntö on peruttu",
    },
    "sv": {
        "callback": "Be om samtal",
        "ask_phone": "Vilket nummer",
        "phone_invalid": "ser inte ut som ett telefonnummer",
        "ask_name": "Vilket namn",
        "skip": "Hoppa över",
        "nothing_to_add": "Inget att tillägga",
        "any_time": "När som helst",
        "asap": "Så snart som möjligt",
        "save": "Ja, spara",
        "saved": "Begäran om återuppringning är sparad",
        "already_saved": "var redan sparad",
        "not_saved": "jag sparade inte",
        "cancel": "jag vill avboka samtalet",
        "confirm_cancel": "Ja, avboka",
        "cancelled": "Begäran om återuppringning är avbokad",
    },
}


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


def requests_of(conversation_id: str) -> list[tuple[str, str]]:
    """(reference, state) of the conversation's callback requests, oldest first."""
    with session_scope(default_engine()) as session:
        rows = session.execute(
            select(CallbackRequest.reference, CallbackRequest.state)
            .where(CallbackRequest.conversation_id == conversation_id)
            .order_by(CallbackRequest.id)
        ).all()
    return [tuple(row) for row in rows]


def save_callback(person, language: str, need_message: str, phone: str, yes: str = "") -> str:
    """A whole request with the plainest answers; returns the confirmation."""
    words = WORDS[language]
    start_callback(person, need_message, words["callback"])
    for answer in (phone, words["skip"], words["nothing_to_add"], words["any_time"]):
        person.says(answer)
    return texts(person.says(yes or words["save"]))


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


def test_correcting_the_number_at_later_questions_in_finnish(resident):
    lohja = resident("fi")
    lohja.municipality = "444"
    start_callback(lohja, "hammasta särkee ja poski on turvonnut", "Pyydä soittoa")
    lohja.says("040 123 4567")
    lohja.says("Ohita")
    assert "Milloin" in texts(lohja.says("Ei lisättävää"))
    # At the time question: the number is corrected and the question asked again.
    replies = lohja.says("ei vaan 050 765 4321")
    assert "vaihdoin numeroksi 050 765 4321" in texts(replies)
    assert "Milloin" in texts(replies)
    summary = texts(lohja.says("Milloin vain"))
    assert "050 765 4321" in summary and "040 123 4567" not in summary
    # Once more at the summary: the summary is shown again with the new number.
    replies = lohja.says("ei vaan 044 987 6543")
    assert "vaihdoin numeroksi 044 987 6543" in texts(replies)
    summary = texts(replies)
    assert "Puhelin: 044 987 6543" in summary and "050 765 4321" not in summary

    confirmation = texts(lohja.says("Kyllä, tallenna"))
    assert "numeroon 044 987 6543" in confirmation
    request = saved(REFERENCE.search(confirmation).group(0))
    assert request.phone == "+358449876543" and request.preferred_time == "any"
    assert requests_of(lohja.sender) == [(request.reference, "new")]


@pytest.mark.parametrize(
    ("language", "municipality", "message"),
    [
        ("fi", "444", "hammasta särkee ja poski on turvonnut"),
        ("sv", "710", "min mamma klarar sig inte längre hemma"),
    ],
)
def test_an_invalid_phone_number_is_asked_again(resident, language, municipality, message):
    words = WORDS[language]
    person = resident(language)
    person.municipality = municipality
    assert words["ask_phone"] in texts(start_callback(person, message, words["callback"]))
    for wrong in ("12345", "040 12", "+44 123"):
        replies = texts(person.says(wrong))
        assert words["phone_invalid"] in replies and words["ask_phone"] in replies
        assert words["ask_name"] not in replies
    assert words["ask_name"] in texts(person.says("040 123 4567"))
    for answer in (words["skip"], words["nothing_to_add"]):
        person.says(answer)
    summary = texts(person.says(words["any_time"]))
    assert "040 123 4567" in summary and "12345" not in summary
    reference = REFERENCE.search(texts(person.says(words["save"]))).group(0)
    assert saved(reference).phone == "+358401234567"


@pytest.mark.parametrize(
    ("language", "message", "stop"),
    [
        ("fi", "tarvitsen apua toimeentulotuen hakemiseen", "peru koko juttu"),
        ("sv", "jag behöver hjälp med att ansöka om utkomststöd", "avbryt alltihop"),
    ],
)
def test_cancelling_the_form_saves_nothing(resident, language, message, stop):
    espoo = resident(language)
    espoo.municipality = "049"
    start_callback(espoo, message, WORDS[language]["callback"])
    espoo.says("0401234567")
    replies = espoo.says(stop)
    assert WORDS[language]["not_saved"] in texts(replies)
    assert requests_of(espoo.sender) == []


@pytest.mark.parametrize(
    ("language", "message", "yes"),
    [
        ("fi", "haluan kysyä kotihoidosta isälle", "kyllä"),
        ("sv", "jag vill fråga om hemvård för min pappa", "ja"),
    ],
)
def test_cancelling_a_saved_request_with_its_reference(resident, language, message, yes):
    words = WORDS[language]
    porvoo = resident(language)
    porvoo.municipality = "638"
    # A typed yes saves, like the button.
    confirmation = save_callback(porvoo, language, message, "050 123 4567", yes)
    assert words["saved"] in confirmation
    reference = REFERENCE.search(confirmation).group(0)

    # Later, in a new conversation: the reference code is enough.
    later = resident(language)
    replies = later.says(f"{words['cancel']} {reference}")
    assert reference in texts(replies)
    replies = later.says(buttons(replies)[words["confirm_cancel"]])
    assert words["cancelled"] in texts(replies)
    assert saved(reference).state == "cancelled"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fi", "hammasta särkee ja poski on turvonnut"),
        ("sv", "jag har ont i en tand och kinden är svullen"),
    ],
)
def test_the_same_request_after_a_cancel_is_saved_anew(resident, language, message):
    """A cancelled request does not stand in for the same request made again."""
    words = WORDS[language]
    lohja = resident(language)
    lohja.municipality = "444"
    first = REFERENCE.search(save_callback(lohja, language, message, "040 123 4567")).group(0)
    replies = lohja.says(f"{words['cancel']} {first}")
    assert words["cancelled"] in texts(lohja.says(buttons(replies)[words["confirm_cancel"]]))

    # The same answers again, in the same conversation.
    confirmation = save_callback(lohja, language, message, "040 123 4567")
    assert words["saved"] in confirmation and words["already_saved"] not in confirmation
    second = REFERENCE.search(confirmation).group(0)
    assert second != first
    assert requests_of(lohja.sender) == [(first, "cancelled"), (second, "new")]
    request = saved(second)
    assert request.phone == "+358401234567" and request.closed_at is None


def test_a_crisis_interrupts_the_callback_form(resident):
    espoo = resident("fi")
    espoo.municipality = "049"
    start_callback(espoo, "tarvitsen keskusteluapua, olen ollut tosi masentunut", "Pyydä soittoa")
    replies = espoo.says("en jaksa enää, aion tappaa itseni tänä yönä")
    routing = next(r["custom"] for r in replies if "custom" in r)
    assert routing["outcome"] == "emergency"
    assert "112" in texts(replies) or "09 2525 0111" in texts(replies)


URGENT_EAR = {
    "fi": ("927", "korvaan sattuu ja on kuumetta, tarvitsen lääkärin tänään"),
    "sv": ("710", "jag har ont i örat och feber, jag behöver en läkare i dag"),
}


@pytest.mark.parametrize(
    ("language", "moment", "expected"),
    [
        # Friday evening, after closing: the next working day, Monday, in the
        # health station's hours.
        ("fi", "2026-11-27T19:30:00", "maanantaina 30.11. klo 8–16 välillä"),
        ("sv", "2026-11-27T19:30:00", "måndagen den 30.11. mellan kl. 8 och 16"),
        # Christmas Eve (a holiday), Christmas and Boxing Day: Monday 28.12.
        ("fi", "2026-12-24T10:00:00", "maanantaina 28.12. klo 8–16 välillä"),
        ("sv", "2026-12-24T10:00:00", "måndagen den 28.12. mellan kl. 8 och 16"),
    ],
)
def test_expected_call_time_follows_working_days(resident, clock, language, moment, expected):
    clock(datetime.fromisoformat(moment).replace(tzinfo=FINLAND))
    words = WORDS[language]
    person = resident(language)
    person.municipality, message = URGENT_EAR[language]
    start_callback(person, message, words["callback"])
    for answer in ("040 765 4321", words["skip"], words["nothing_to_add"], words["asap"]):
        person.says(answer)
    confirmation = texts(person.says(words["save"]))
    assert words["saved"] in confirmation and expected in confirmation, confirmation
    request = saved(REFERENCE.search(confirmation).group(0))
    assert request.urgent and request.promise_kind == "next_working_day"


# The form's buttons that send their own words (actions/callback.py, _button).
FORM_BUTTON_KEYS = (
    "button_cancel",
    "skip_button",
    "button_nothing_to_add",
    *(f"time_{choice}" for choice in TIME_CHOICES),
    "button_save",
    "button_change_phone",
    "button_change_time",
)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_forms_own_buttons_never_read_as_a_crisis(stack, language) -> None:
    """A crisis intent interrupts the form, so a button read as one would derail it
    (it happened: "Hoppa över" read as a crisis after "hoppa från bron" was trained)."""
    crisis_intents = {f"need_{need}" for need in CRISIS_NEEDS}
    for key in FORM_BUTTON_KEYS:
        label = text(key, language)
        status, parsed = post_json(f"{stack.settings.rasa_url}/model/parse", {"text": label})
        assert status == 200
        assert parsed["intent"]["name"] not in crisis_intents, (label, parsed["intent"])
