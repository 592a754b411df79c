"""The chat widget's flows and live parts in headless Chromium, in Finnish and Swedish.

On the demo page of Raasepori/Raseborg (710) a resident books an appointment
by clicking the widget's buttons, and the booking is in the database; new
messages land in the role="log" live region; service cards show a helpline's
number as a `tel:` link and a service's e-service or web page as a link, as
the catalogue has them; the typing indicator shows while a turn is pending
and goes once the replies are shown.

Everything is real: the session's stack (trained model, action server, web
app relaying socket.io to Rasa), the demo catalogue and appointment times,
the browser.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.appointments.models import Booking
from bot.appointments.store import SlotOffer, slot_store
from bot.catalogue.models import Service
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.schedule import format_slot_time, now_local
from bot.storedtime import from_stored
from bot.web.ui_texts import DEMO_MUNICIPALITY, WIDGET_TEXTS
from tests.browser import chromium, console_errors
from tests.widget_page import REFERENCE, Message, WidgetPage, cards, texts

pytestmark = pytest.mark.stack

LANGUAGES = ["fi", "sv"]
# A need whose unit in Raasepori takes appointments (tests/test_booking_conversations.py).
BOOKING_NEED = {
    "fi": "tarvitsen ajan hammaslääkärille",
    "sv": "jag behöver tid till tandläkaren, en fyllning lossnade",
}
BOOKABLE_UNIT = "demo-oral-health-710"
# Depression, not a crisis: beside the public unit, MIELI's crisis centres (a web
# page) and MIELI's crisis line in the resident's language (a checked national number).
LOW_MOOD = {
    "fi": "oon ollu tosi masentunut jo kuukausia",
    "sv": "har varit deprimerad i flera månader",
}
CRISIS_LINE = {"fi": "mieli-crisis-line-fi", "sv": "mieli-crisis-line-sv"}
CRISIS_CENTRES = "mieli-kriisikeskukset-uusimaa"
# Housing: beside social work, Y-Säätiö's flat search, an e-service.
HOUSING = {
    "fi": "asun kaverin sohvalla, tarviin oman asunnon",
    "sv": "bor på en kompis soffa, behöver egen bostad",
}
FLAT_SEARCH = "y-saatio-vuokra-asunnot"
TOOTHACHE = {"fi": "hammasta särkee", "sv": "jag har tandvärk"}

CARD_LINKS_JS = """
const card = document.querySelector('.neuvo-card[data-service-id="' + arguments[0] + '"]');
if (!card) { return null; }
return Array.from(card.querySelectorAll("a")).map((a) => ({
  href: a.getAttribute("href"),
  text: a.textContent,
  row: a.parentElement.textContent,
  shown: a.getClientRects().length > 0,
}));
"""

# Records, from now on, every message added to the widget and every change of the
# typing indicator, in the order they happen, in window.__neuvoEvents.
RECORD_JS = """
const root = document.querySelector(".neuvo");
const log = root.querySelector(".neuvo-log");
const typing = root.querySelector(".neuvo-typing");
const events = window.__neuvoEvents = [];
const rendered = () => !typing.closest("[hidden]") && typing.getClientRects().length > 0 &&
  getComputedStyle(typing).visibility === "visible";
new MutationObserver((records) => {
  const changes = records.filter((r) => r.type === "attributes" && r.target === typing);
  records.forEach((r) => {
    if (r.type === "childList") {
      r.addedNodes.forEach((node) => {
        if (node.nodeType !== 1 || !node.matches("li.neuvo-msg")) { return; }
        events.push({
          kind: "message",
          id: Number(node.dataset.id),
          who: node.classList.contains("neuvo-msg--user") ? "user" : "bot",
          text: node.textContent,
          in_log: log.contains(node),
          log_role: (node.closest("[role=log]") || {id: null}) === log,
          parent: node.parentElement.tagName + "." + node.parentElement.className,
        });
      });
      return;
    }
    if (r.target !== typing) { return; }
    // oldValue null: it was shown before this change. The state after it is the
    // state before the next change in this batch, or the current one.
    const next = changes[changes.indexOf(r) + 1];
    const hidden = next ? next.oldValue !== null : typing.hidden;
    if (hidden === (r.oldValue !== null)) { return; }
    events.push({
      kind: "typing",
      hidden: hidden,
      rendered: !hidden && !next ? rendered() : null,
      text: typing.textContent,
    });
  });
}).observe(root, {
  subtree: true, childList: true, attributes: true, attributeFilter: ["hidden"],
  attributeOldValue: true,
});
"""


def opened_chat(driver, stack, language: str) -> WidgetPage:
    page = WidgetPage(driver, stack.settings.web_url, language)
    page.load()
    page.open()
    page.accept_privacy()
    return page


def buttons(messages: list[Message]) -> list[str]:
    return [title for m in messages for title in m.buttons]


def slot_title(offer: SlotOffer, language: str) -> str:
    return f"{format_slot_time(offer.starts_at, language)} · {offer.unit_name(language)}"


def free_times(language: str) -> list[SlotOffer]:
    return slot_store().free_slots("oral_health", DEMO_MUNICIPALITY, language, after=now_local())


def saved_booking(reference: str) -> Booking:
    with session_scope(default_engine()) as session:
        booking = session.execute(
            select(Booking)
            .where(Booking.reference == reference)
            .options(selectinload(Booking.slot))
        ).scalar_one()
        session.expunge_all()
        return booking


def catalogue_service(service_id: str) -> Service:
    with session_scope(default_engine()) as session:
        service = session.execute(
            select(Service).where(Service.id == service_id).options(selectinload(Service.channels))
        ).scalar_one()
        session.expunge(service)
        return service


def dial(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


@pytest.mark.parametrize("language", LANGUAGES)
def test_booking_an_appointment_inside_the_widget(stack, language) -> None:
    with chromium() as driver:
        page = opened_chat(driver, stack, language)
        replies = page.say(BOOKING_NEED[language])
        assert BOOKABLE_UNIT in [c["id"] for c in cards(replies)], page.messages()
        book = text("button_book", language)
        assert book in buttons(replies)

        # The times offered are the unit's earliest free ones, in the resident's language.
        offered = page.choose(book)
        free = free_times(language)
        assert 1 <= len(free) <= 3
        assert text("book_offer", language) in texts(offered)
        assert buttons(offered) == [slot_title(offer, language) for offer in free]
        assert all(language in offer.languages for offer in free)

        # Not simply the first one: the resident picks the last time offered.
        chosen = free[-1]
        confirmation = page.choose(slot_title(chosen, language))
        said = texts(confirmation)
        opening = text("book_confirmed", language).split("{when}")[0]
        when = format_slot_time(chosen.starts_at, language)
        assert f"{opening}{when}, {chosen.unit_name(language)}" in said, said
        reference = REFERENCE.search(said).group(0)
        assert {m.lang for m in confirmation} == {language}
        assert buttons(confirmation) == [
            text("button_move", language),
            text("button_cancel_booking", language),
        ]
        # The offered times went with the turn; the resident's choice is in the log.
        user_said = [m.text for m in page.messages() if m.who == "user"]
        assert user_said[-2:] == [book, slot_title(chosen, language)]
        assert slot_title(chosen, language) not in buttons(page.messages())

        booking = saved_booking(reference)
        assert booking.state == "active"
        assert booking.slot_id == chosen.slot_id
        assert booking.slot.service_id == BOOKABLE_UNIT
        assert from_stored(booking.slot.starts_at) == chosen.starts_at
        assert booking.conversation_id == page.session_id()
        assert booking.language == language
        assert booking.need == "oral_health"
        # The time is taken now: nobody is offered it any more.
        assert chosen.slot_id not in [offer.slot_id for offer in free_times(language)]
        assert console_errors(driver) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_new_messages_are_appended_inside_the_live_region(stack, language) -> None:
    ui = WIDGET_TEXTS[language]
    with chromium() as driver:
        page = opened_chat(driver, stack, language)
        logs = driver.find_elements("css selector", "[role=log]")
        assert len(logs) == 1
        log = logs[0]
        assert "neuvo-log" in log.get_attribute("class")
        assert log.get_attribute("aria-live") == "polite"
        assert log.get_attribute("aria-label") == ui["widget_log"]
        assert log.is_displayed()
        # The greeting is in it already.
        assert page.messages() and all(
            driver.execute_script("return arguments[0].contains(arguments[1]);", log, li)
            for li in driver.find_elements("css selector", "li.neuvo-msg")
        )

        driver.execute_script(RECORD_JS)
        before = page.last_id()
        replies = page.say(TOOTHACHE[language])
        added = [
            e
            for e in driver.execute_script("return window.__neuvoEvents;")
            if e["kind"] == "message"
        ]
        # The resident's own message first, then the assistant's replies, each
        # appended to the list inside the live region, nowhere else.
        assert [e["who"] for e in added] == ["user"] + ["bot"] * len(replies)
        assert TOOTHACHE[language] in added[0]["text"]
        assert [e["id"] for e in added[1:]] == [m.id for m in replies]
        assert all(e["in_log"] and e["log_role"] for e in added), added
        assert {e["parent"] for e in added} == {"OL.neuvo-messages"}
        # Appended, in order, at the end of the log.
        order = driver.execute_script(
            "return Array.from(arguments[0].querySelectorAll('li.neuvo-msg'))"
            ".map((li) => Number(li.dataset.id));",
            log,
        )
        assert order == sorted(order) and order[-len(added) :] == [e["id"] for e in added]
        assert all(e["id"] > before for e in added)


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_cards_show_a_phone_link_and_web_links(stack, language) -> None:
    ui = WIDGET_TEXTS[language]
    with chromium() as driver:
        page = opened_chat(driver, stack, language)

        # A helpline beside the public unit: not an emergency, its number can be tapped.
        replies = page.say(LOW_MOOD[language])
        group = next((m for m in replies if m.cards), None)
        assert group, page.messages()
        assert not group.emergency and group.cards_title == ui["widget_services"]
        assert not any(m.urgent for m in replies)
        shown = {c["id"]: c for c in group.cards}
        assert {CRISIS_LINE[language], CRISIS_CENTRES} <= set(shown), list(shown)

        line = catalogue_service(CRISIS_LINE[language])
        phone = next(c.phone for c in line.channels if c.phone)
        assert phone != "112"
        card = shown[CRISIS_LINE[language]]
        assert card["name"] == line.name(language)
        assert card["phone_href"] == dial(phone)
        assert ui["widget_provider_third_sector"] in card["text"]
        [tel] = [
            a for a in driver.execute_script(CARD_LINKS_JS, line.id) if a["href"].startswith("tel:")
        ]
        assert tel["text"] == phone and tel["row"] == f"{ui['widget_phone']}: {phone}"
        assert tel["shown"]

        # A web page, named as one, where the catalogue has it.
        centres = catalogue_service(CRISIS_CENTRES)
        page_url = next(c.url for c in centres.channels if c.type == "webpage")
        links = driver.execute_script(CARD_LINKS_JS, CRISIS_CENTRES)
        assert [(a["href"], a["text"]) for a in links] == [(page_url, ui["widget_link_webpage"])]
        assert links[0]["row"] == f"{ui['widget_link_webpage']} {centres.name(language)}"
        assert shown[CRISIS_CENTRES]["phone_href"] is None

        # An e-service: the link says so.
        replies = page.say(HOUSING[language])
        shown = {c["id"]: c for c in cards(replies)}
        assert FLAT_SEARCH in shown, page.messages()
        flats = catalogue_service(FLAT_SEARCH)
        eservice = next(c.url for c in flats.channels if c.type == "eservice")
        links = driver.execute_script(CARD_LINKS_JS, FLAT_SEARCH)
        assert [(a["href"], a["text"]) for a in links] == [(eservice, ui["widget_link_eservice"])]
        assert all(a["shown"] for a in links)
        assert shown[FLAT_SEARCH]["name"] == flats.name(language)
        assert console_errors(driver) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_typing_indicator_shows_while_a_turn_is_pending(stack, language) -> None:
    ui = WIDGET_TEXTS[language]
    with chromium() as driver:
        page = opened_chat(driver, stack, language)
        assert not page.typing()
        driver.execute_script(RECORD_JS)
        replies = page.say(TOOTHACHE[language])
        assert any(m.cards for m in replies)  # a card: its details are fetched first
        events = driver.execute_script("return window.__neuvoEvents;")
        kinds = [
            e["who"] if e["kind"] == "message" else ("hidden" if e["hidden"] else "typing")
            for e in events
        ]
        # Typing from the resident's message until every reply is shown, then gone.
        assert kinds == ["user", "typing"] + ["bot"] * len(replies) + ["hidden"], kinds
        shown = events[1]
        assert shown["rendered"] is True and shown["text"] == ui["widget_typing"]
        assert not page.typing()
        assert not page.visible(".neuvo-typing")
