"""The chat widget's accessibility in headless Chromium (WCAG 2.1 AA).

- axe-core finds no violations on the demo pages, Finnish and Swedish, with the
  widget closed, with the privacy notice, and with a conversation that has
  buttons and service cards in it, at desktop width and at 320 px.
- A resident who uses only the keyboard does the whole callback flow: Tab to
  the chat, Enter, type, Shift+Tab back to the offered buttons, Escape; every
  element that gets focus shows it.
- At 320 px and at 200 % zoom nothing scrolls sideways and the input stays
  on screen; prefers-reduced-motion stops the widget's animations.
- The screenshots of docs/screenshots/widget-*.png are taken here.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from bot.callbacks.models import CallbackRequest
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.settings import PROJECT_ROOT
from bot.web.ui_texts import WIDGET_TEXTS
from tests.browser import axe_violations, chromium, reduced_motion, viewport, wait_until
from tests.widget_page import REFERENCE, WidgetPage, cards, texts

pytestmark = pytest.mark.stack

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
NEEDS = {"fi": "hammasta särkee", "sv": "jag har tandvärk"}
MAX_TABS = 60

FOCUS_JS = """
const n = document.activeElement;
const s = getComputedStyle(n);
return {
  tag: n.tagName.toLowerCase(), cls: n.className, text: (n.textContent || '').trim(),
  id: n.id, outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
  visible: n.getClientRects().length > 0,
};
"""


def converse(page: WidgetPage) -> list:
    """Opens the chat (if closed), accepts the privacy notice and gets a card and buttons."""
    if not page.visible(".neuvo-panel"):
        page.open()
    page.accept_privacy()
    replies = page.say(NEEDS[page.language])
    assert cards(replies) and any(m.buttons for m in replies)
    return replies


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_axe_finds_no_violations_on_the_demo_page_with_the_widget(stack, language) -> None:
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, language)
        page.load()
        assert axe_violations(driver) == [], "widget closed"
        page.open()
        assert axe_violations(driver) == [], "privacy notice"
        converse(page)
        assert axe_violations(driver) == [], "conversation with a card"
        viewport(driver, 320, 640)
        assert axe_violations(driver) == [], "conversation at 320 px"


def press(driver, *keys: str) -> dict:
    ActionChains(driver).send_keys(*keys).perform()
    return driver.execute_script(FOCUS_JS)


def assert_focus_visible(focus: dict) -> None:
    assert focus["visible"], focus
    assert focus["outline"] != "none" and focus["outlineWidth"] >= 2, focus


def tab_to(driver, matches, backwards: bool = False) -> dict:
    """Tabs (or Shift+Tabs) until the focused element matches; checks each stop's focus ring."""
    key = (Keys.SHIFT, Keys.TAB) if backwards else (Keys.TAB,)
    for _ in range(MAX_TABS):
        if backwards:
            ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
                Keys.SHIFT
            ).perform()
            focus = driver.execute_script(FOCUS_JS)
        else:
            focus = press(driver, *key)
        if focus["tag"] != "body":
            assert_focus_visible(focus)
        if matches(focus):
            return focus
    raise AssertionError(f"no focusable element matched within {MAX_TABS} presses")


def keyboard_turn(page: WidgetPage, *keys: str) -> list:
    before = page.last_id()
    press(page.driver, *keys)
    return page.wait_for_turn(before, f"the replies to {keys!r}")


def keyboard_button(page: WidgetPage, title: str) -> list:
    """From the input, back to the button with the title, and press Enter on it."""
    tab_to(page.driver, lambda f: f["tag"] == "button" and f["text"] == title, backwards=True)
    replies = keyboard_turn(page, Keys.ENTER)
    assert page.driver.execute_script("return document.activeElement.id") == "neuvo-input"
    return replies


def test_the_whole_callback_flow_by_keyboard_alone(stack) -> None:
    ui = WIDGET_TEXTS["fi"]
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        # From the top of the page to the chat: the skip link, the page's links, the launcher.
        first = press(driver, Keys.TAB)
        assert first["cls"] == "skip-link"
        launcher = tab_to(driver, lambda f: "neuvo-launcher" in f["cls"])
        assert launcher["text"] == ui["widget_open"]
        press(driver, Keys.ENTER)
        assert wait_until(lambda: page.visible(".neuvo-privacy"), 10, "the privacy notice")
        accept = tab_to(driver, lambda f: f["tag"] == "button")
        assert accept["text"] == ui["widget_privacy_accept"]
        before = page.last_id()
        focus = press(driver, Keys.ENTER)
        assert focus["id"] == "neuvo-input"
        page.wait_for_turn(before, "the greeting")

        replies = keyboard_turn(page, "hammasta särkee", Keys.ENTER)
        assert cards(replies)
        keyboard_button(page, text("button_callback", "fi"))
        keyboard_turn(page, "040 123 4567", Keys.ENTER)
        keyboard_button(page, text("skip_button", "fi"))
        keyboard_button(page, text("button_nothing_to_add", "fi"))
        keyboard_button(page, text("time_any", "fi"))
        confirmation = keyboard_button(page, text("button_save", "fi"))
        reference = REFERENCE.search(texts(confirmation)).group(0)
        with session_scope(default_engine()) as session:
            request = session.execute(
                select(CallbackRequest).where(CallbackRequest.reference == reference)
            ).scalar_one()
            assert request.conversation_id == page.session_id()
            assert request.phone == "+358401234567"

        # The log can be scrolled from the keyboard, and Escape closes the chat.
        log = tab_to(driver, lambda f: "neuvo-log" in f["cls"], backwards=True)
        assert_focus_visible(log)
        focus = press(driver, Keys.ESCAPE)
        assert "neuvo-launcher" in focus["cls"]
        assert not page.visible(".neuvo-panel")
        # Enter opens it again, at the input, with the conversation still there.
        focus = press(driver, Keys.ENTER)
        assert focus["id"] == "neuvo-input"
        assert reference in texts(page.messages())


def no_sideways_scrolling(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth;"
    )


def on_screen(driver, selector: str) -> bool:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight"
        " && r.width > 0;",
        selector,
    )


def test_layout_at_320_px_and_200_percent_zoom_with_screenshots(stack) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium(window=(1280, 800)) as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        converse(page)
        driver.execute_script("document.activeElement.blur()")
        assert driver.save_screenshot(str(SCREENSHOTS / "widget-desktop.png"))

        for width, height, scale, what in ((320, 640, 1, "320 px"), (640, 400, 2, "200 % zoom")):
            viewport(driver, width, height, scale)
            assert driver.execute_script("return innerWidth") == width, what
            assert no_sideways_scrolling(driver), what
            for selector in (".neuvo-panel", "#neuvo-input", ".neuvo-send", ".neuvo-close"):
                assert on_screen(driver, selector), f"{selector} at {what}"
            # Only the log scrolls: the panel itself has nothing hidden below its edge.
            assert driver.execute_script(
                "const p = document.querySelector('.neuvo-panel');"
                "return p.scrollHeight <= p.clientHeight && p.scrollWidth <= p.clientWidth;"
            ), what
            # The last card can be scrolled into view and fits the width, header still there.
            driver.execute_script(
                "document.querySelector('.neuvo-card:last-child').scrollIntoView()"
            )
            assert on_screen(driver, ".neuvo-card:last-child"), what
            assert on_screen(driver, ".neuvo-close"), what
            if width == 320:
                driver.execute_script("document.querySelector('.neuvo-log').scrollTop = 1e6")
                assert driver.save_screenshot(str(SCREENSHOTS / "widget-320.png"))


def test_reduced_motion_stops_the_animations(stack) -> None:
    animation = (
        "return [getComputedStyle(document.querySelector('.neuvo-dots span')).animationName,"
        " getComputedStyle(document.querySelector('.neuvo-panel')).animationName];"
    )
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "sv")
        page.load()
        page.open()
        assert driver.execute_script(animation) == ["neuvo-bounce", "neuvo-appear"]
        reduced_motion(driver, True)
        assert driver.execute_script(animation) == ["none", "none"]
