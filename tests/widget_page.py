"""The chat widget on a demo page, as the browser tests use it.

Reads what the resident sees from the DOM (one script call per look) and
waits for whole turns: a turn is over when a bot message follows the
resident's latest one and the typing indicator is gone (the widget hides it
when Rasa acknowledges the message, i.e. after the last reply).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from selenium.webdriver.common.by import By

from tests.browser import wait_for_animations, wait_until

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")
TURN_TIMEOUT_S = 60

SNAPSHOT_JS = """
const text = (node) => (node ? node.textContent : "");
return Array.from(document.querySelectorAll(".neuvo-messages > li")).map((li) => ({
  id: Number(li.dataset.id),
  who: li.classList.contains("neuvo-msg--user") ? "user" : "bot",
  lang: li.lang,
  text: text(li.querySelector(".neuvo-text")),
  urgent: li.classList.contains("neuvo-msg--urgent"),
  emergency: Boolean(li.querySelector(".neuvo-cards--emergency")),
  cards_title: text(li.querySelector(".neuvo-cards__title")),
  cards: Array.from(li.querySelectorAll(".neuvo-card")).map((card) => ({
    id: card.dataset.serviceId,
    name: text(card.querySelector(".neuvo-card__name")),
    text: card.innerText,
    phone_href: (card.querySelector("a[href^='tel:']") || {}).href || null,
    links: Array.from(card.querySelectorAll("a[href^='http']")).map((a) => a.href),
  })),
  buttons: Array.from(li.querySelectorAll(".neuvo-choice")).map((b) => b.textContent),
}));
"""


@dataclass
class Message:
    id: int
    who: str
    lang: str
    text: str
    urgent: bool
    emergency: bool
    cards_title: str
    cards: list[dict]
    buttons: list[str]


class WidgetPage:
    def __init__(self, driver, base_url: str, language: str) -> None:
        self.driver = driver
        self.url = f"{base_url}/{language}"
        self.language = language

    # --- looking ------------------------------------------------------------

    def messages(self) -> list[Message]:
        return [Message(**m) for m in self.driver.execute_script(SNAPSHOT_JS)]

    def typing(self) -> bool:
        return self.driver.execute_script(
            "const t = document.querySelector('.neuvo-typing'); return Boolean(t && !t.hidden);"
        )

    def status(self) -> str:
        return self.driver.execute_script(
            "return (document.querySelector('.neuvo-status') || {}).textContent || '';"
        )

    def state(self) -> dict:
        """What the widget keeps in sessionStorage."""
        raw = self.driver.execute_script(
            "for (let i = 0; i < sessionStorage.length; i++) {"
            "  const key = sessionStorage.key(i);"
            "  if (key.startsWith('neuvo-widget:')) { return sessionStorage.getItem(key); }"
            "} return null;"
        )
        return json.loads(raw) if raw else {}

    def session_id(self) -> str:
        return self.state()["session"]

    def visible(self, selector: str) -> bool:
        return self.driver.execute_script(
            "const n = document.querySelector(arguments[0]);"
            "return Boolean(n && n.getClientRects().length && !n.closest('[hidden]'));",
            selector,
        )

    # --- doing ----------------------------------------------------------------

    def load(self) -> None:
        self.driver.get(self.url)
        wait_until(lambda: self.visible(".neuvo-launcher"), 20, "the widget's launcher")

    def open(self) -> None:
        self.driver.find_element(By.CSS_SELECTOR, ".neuvo-launcher").click()
        wait_until(lambda: self.visible(".neuvo-panel"), 10, "the chat panel")
        wait_for_animations(self.driver)

    def accept_privacy(self) -> list[Message]:
        before = self.last_id()
        self.driver.find_element(By.CSS_SELECTOR, ".neuvo-privacy button").click()
        return self.wait_for_turn(before, "the greeting")

    def say(self, text: str) -> list[Message]:
        before = self.last_id()
        field = self.driver.find_element(By.ID, "neuvo-input")
        field.send_keys(text)
        self.driver.find_element(By.CSS_SELECTOR, ".neuvo-send").click()
        return self.wait_for_turn(before, f"the replies to {text!r}")

    def choose(self, title: str) -> list[Message]:
        before = self.last_id()
        buttons = [
            b
            for b in self.driver.find_elements(By.CSS_SELECTOR, ".neuvo-choice")
            if b.text == title
        ]
        assert buttons, f"no button {title!r}; the last messages: {self.messages()[-3:]}"
        buttons[-1].click()
        return self.wait_for_turn(before, f"the replies to the button {title!r}")

    def last_id(self) -> int:
        messages = self.messages()
        return messages[-1].id if messages else 0

    def wait_for_turn(self, after_id: int, what: str) -> list[Message]:
        """The bot messages after the resident's latest one, once the turn is over."""

        def replies() -> list[Message] | None:
            # Typing first: once it is off, a later look at the log has the whole turn.
            if self.typing():
                return None
            messages = [m for m in self.messages() if m.id > after_id]
            last_user = max((m.id for m in messages if m.who == "user"), default=after_id)
            answers = [m for m in messages if m.who == "bot" and m.id > last_user]
            return answers or None

        return wait_until(replies, TURN_TIMEOUT_S, what)


def texts(messages: list[Message]) -> str:
    return "\n".join(m.text for m in messages)


def cards(messages: list[Message]) -> list[dict]:
    return [card for m in messages for card in m.cards]
