"""The chat widget end to end in headless Chromium, in Finnish and Swedish.

A resident opens the demo page of Raasepori/Raseborg, reads the privacy notice,
types a need, gets a service card from the catalogue, clicks the buttons of the
callback flow and finishes a callback request that lands in the database. The
conversation survives a reload (the same Rasa conversation goes on), a dropped
connection (the web app restarts under it) and ends with "delete my
conversation", which removes it from Rasa's tracker store.

Everything is real: the session's stack (trained model, action server, web app
relaying socket.io to Rasa), the demo catalogue, the browser.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import selectinload

from bot.callbacks.models import CallbackRequest
from bot.catalogue.models import Service
from bot.db import default_engine, make_engine, session_scope
from bot.messages import text
from bot.retention import RetentionPolicy
from bot.web.ui_texts import WIDGET_TEXTS
from tests.browser import chromium, console_errors, wait_until
from tests.widget_page import REFERENCE, WidgetPage, cards, texts

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class Resident:
    language: str
    need: str
    service_id: str  # the demo unit the need leads to in Raasepori (710)
    hours: str  # its opening hours as the card must say them
    phone: str
    stored_phone: str
    thanks: str


RESIDENTS = {
    "fi": Resident("fi", "hammasta särkee", "demo-oral-health-710",
                   "maanantai–perjantai klo 8–15.30", "040 123 4567", "+358401234567", "kiitos"),
    "sv": Resident("sv", "jag har tandvärk", "demo-oral-health-710",
                   "måndag–fredag kl. 8–15.30", "050 765 4321", "+358507654321", "tack"),
}  # fmt: skip


def rasa_tracker(stack, sender_id: str) -> dict:
    url = f"{stack.settings.rasa_url}/conversations/{sender_id}/tracker"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def user_texts(tracker: dict) -> list[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def tracker_events(stack, sender_id: str) -> int:
    engine = make_engine(stack.settings.tracker_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sql("SELECT COUNT(*) FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            ).scalar_one()
    finally:
        engine.dispose()


def saved_request(reference: str) -> CallbackRequest | None:
    with session_scope(default_engine()) as session:
        return session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one_or_none()


def catalogue_service(service_id: str) -> Service:
    with session_scope(default_engine()) as session:
        service = session.execute(
            select(Service).where(Service.id == service_id).options(selectinload(Service.channels))
        ).scalar_one()
        session.expunge(service)
        return service


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_callback_request_through_the_widget_survives_a_reload(stack, language) -> None:
    resident = RESIDENTS[language]
    ui = WIDGET_TEXTS[language]
    policy = RetentionPolicy()
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, language)
        page.load()
        assert driver.find_element("css selector", "html").get_attribute("lang") == language
        page.open()

        # The privacy notice comes before the first message; there is no input yet.
        notice = driver.find_element("css selector", ".neuvo-privacy").text
        assert ui["widget_privacy_hetu"] in notice
        stored = ui["widget_privacy_stored"].format(conversation_days=policy.conversations.days)
        assert stored in notice and str(policy.conversations.days) in notice
        assert not page.visible("#neuvo-input")
        greeting = page.accept_privacy()
        assert greeting[0].lang == language

        # A need in the resident's own words: a card from the catalogue.
        replies = page.say(resident.need)
        service = catalogue_service(resident.service_id)
        card = next((c for c in cards(replies) if c["id"] == resident.service_id), None)
        assert card, page.messages()
        assert card["name"] == service.name(language)
        assert ui["widget_provider_public"] in card["text"]
        assert ui["widget_demo"] in card["text"]  # demo units say so
        location = next(c for c in service.channels if c.type == "location")
        assert location.hours == [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "15:30"}]
        assert f"{ui['widget_hours_location']}: {resident.hours}" in card["text"]

        # The callback flow, by clicking the buttons the assistant offers.
        asked = page.choose(text("button_callback", language))
        assert asked[-1].lang == language
        page.say(resident.phone)
        page.choose(text("skip_button", language))
        page.choose(text("button_nothing_to_add", language))
        summary = page.choose(text("time_any", language))
        assert resident.phone in texts(summary)
        confirmation = page.choose(text("button_save", language))
        reference = REFERENCE.search(texts(confirmation)).group(0)

        session_id = page.session_id()
        request = saved_request(reference)
        assert request is not None and request.state == "new"
        assert request.conversation_id == session_id
        assert request.phone == resident.stored_phone
        assert request.call_language == language
        assert request.need == "oral_health"

        # Every message carries its language; the resident's own ones too.
        before_reload = page.messages()
        assert {m.lang for m in before_reload} == {language}
        assert [m.text for m in before_reload if m.who == "user"][0] == resident.need

        driver.refresh()
        wait_until(lambda: page.visible(".neuvo-log"), 20, "the chat after the reload")
        # Restored open, it is simply there: no opening animation on every page load.
        assert (
            driver.execute_script(
                "return getComputedStyle(document.querySelector('.neuvo-panel')).animationName"
            )
            == "none"
        )
        after_reload = page.messages()
        assert [(m.who, m.text, m.lang) for m in after_reload] == [
            (m.who, m.text, m.lang) for m in before_reload
        ]
        assert page.session_id() == session_id

        # ... and the same conversation goes on in Rasa.
        page.say(resident.thanks)
        said = user_texts(rasa_tracker(stack, session_id))
        assert said.index(resident.need) < said.index(resident.thanks) == len(said) - 1
        assert console_errors(driver) == []


def test_reconnecting_and_deleting_the_conversation(stack) -> None:
    ui = WIDGET_TEXTS["fi"]
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        page.open()
        page.accept_privacy()
        page.say("hammasta särkee")
        old_session = page.session_id()

        # The connection drops: the web app, which relays socket.io, goes away.
        stack.kill("web")
        wait_until(lambda: page.status() == ui["widget_reconnecting"], 30, "the offline notice")
        # A message written meanwhile waits, and goes once the connection is back.
        driver.find_element("id", "neuvo-input").send_keys("entä jos tarvitsen tulkin")
        driver.find_element("css selector", ".neuvo-send").click()
        waiting = page.last_id()
        stack.restart("web")
        wait_until(lambda: page.status() == ui["widget_reconnected"], 60, "the reconnected notice")
        # While it was away, the browser failed to reach it; nothing else went wrong.
        assert all("/socket.io/" in error for error in console_errors(driver))
        replies = page.wait_for_turn(waiting, "the reply to the message sent while offline")
        assert replies
        said = user_texts(rasa_tracker(stack, old_session))
        assert said[-1] == "entä jos tarvitsen tulkin" and "hammasta särkee" in said

        # Delete my conversation: asked first, then gone from the tracker store.
        assert tracker_events(stack, old_session) > 0
        driver.find_element("css selector", ".neuvo-delete").click()
        question = driver.find_element("id", "neuvo-confirm-question")
        assert question.text == ui["widget_delete_question"]
        driver.find_element("css selector", ".neuvo-confirm .neuvo-button--danger").click()
        wait_until(lambda: page.status() == ui["widget_deleted"], 30, "the deleted notice")
        assert tracker_events(stack, old_session) == 0
        new_session = page.session_id()
        assert new_session != old_session and len(new_session) == 32
        assert old_session not in json.dumps(page.state())
        # A fresh conversation starts with a greeting, nothing of the old one is shown.
        fresh = wait_until(lambda: page.messages() or None, 30, "the new greeting")
        assert all("hammasta" not in m.text for m in fresh)
        assert tracker_events(stack, new_session) > 0
        assert console_errors(driver) == []


def test_an_emergency_answer_stands_out(stack) -> None:
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "sv")
        page.load()
        page.open()
        page.accept_privacy()
        replies = page.say("min mamma har plötsligt ont i bröstet")
        group = next((m for m in replies if m.cards), None)
        assert group, page.messages()
        assert group.emergency and group.cards_title == WIDGET_TEXTS["sv"]["widget_emergency"]
        assert "tel:112" in [c["phone_href"] for c in group.cards]
        # The text of the same answer is marked too, not only the card.
        answer = [m for m in replies if m.text]
        assert answer and all(m.urgent for m in answer)
        assert "112" in answer[0].text
        style = driver.execute_script(
            "const n = document.querySelector('.neuvo-msg--urgent .neuvo-text');"
            "const s = getComputedStyle(n); return [s.borderLeftStyle, s.fontWeight];"
        )
        assert style[0] == "solid" and int(style[1]) >= 600


def test_the_page_language_and_then_the_conversation_language(stack) -> None:
    """A Finnish page, a resident who writes Swedish: the widget's own texts follow."""
    fi, sv = WIDGET_TEXTS["fi"], WIDGET_TEXTS["sv"]
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        launcher = driver.find_element("css selector", ".neuvo-launcher")
        assert launcher.text == fi["widget_open"]
        page.open()
        page.accept_privacy()
        assert (
            driver.find_element("css selector", "label[for=neuvo-input]").text
            == (fi["widget_input_label"])
        )
        replies = page.say("hej, jag behöver hjälp med min mammas hemvård")
        assert {m.lang for m in replies} == {"sv"}
        assert page.messages()[-len(replies) - 1].lang == "sv"  # the resident's message
        assert (
            driver.find_element("css selector", "label[for=neuvo-input]").text
            == (sv["widget_input_label"])
        )
        assert driver.find_element("css selector", ".neuvo").get_attribute("lang") == "sv"


def test_demo_pages_embed_the_widget_with_one_script_tag(stack) -> None:
    for language in ("fi", "sv"):
        with urllib.request.urlopen(f"{stack.settings.web_url}/{language}", timeout=10) as page:
            html = page.read().decode()
        tags = [line.strip() for line in html.splitlines() if "<script" in line]
        assert tags == [
            f'<script src="/static/widget.js" data-lang="{language}" '
            'data-municipality="710" defer></script>'
        ]


def test_every_card_is_a_catalogue_service(stack) -> None:
    """No card without a catalogue entry: every card's id is a service in the database."""
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        page.open()
        page.accept_privacy()
        shown = cards(page.say("olen yksinäinen ja kaipaan juttuseuraa"))
        assert shown
        with session_scope(default_engine()) as session:
            known = session.execute(
                select(func.count())
                .select_from(Service)
                .where(Service.id.in_([c["id"] for c in shown]))
            ).scalar_one()
        assert known == len({c["id"] for c in shown})
