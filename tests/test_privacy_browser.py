"""Script written by a resident or a handler stays text, in the portal and in the widget.

XSS probes go into a conversation (the resident's messages), a callback
request (name and details) and a handler's note, through the real stack;
headless Chromium then opens the staff pages that show them and the chat
widget. Each probe must be on the page as visible text, no element may carry
an injected handler, and no probe may have run. The pages' Content Security
Policy would stop inline script as well; the DOM checks show that escaping
alone already does.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from sqlalchemy import select

from bot.callbacks.models import CallbackRequest
from bot.db import default_engine, session_scope
from bot.messages import text
from bot.staff.accounts import create_user
from bot.staff.models import ADMIN
from tests.browser import chromium, wait_until
from tests.conftest import Resident
from tests.widget_page import WidgetPage
from tests.widget_page import texts as widget_texts

pytestmark = pytest.mark.stack

PROBES = {
    "script": "<script>window.__xss = 'script'</script>",
    "img": "<img src=x onerror=\"window.__xss = 'img'\">",
    "svg": '"><svg onload="window.__xss = \'svg\'">',
    "link": "<a href=\"javascript:window.__xss = 'link'\">klikkaa</a>",
}
INJECTED = "[onerror], [onload], a[href^='javascript:'], img[src='x'], script:not([src])"


def assert_shown_as_text(driver, probes: list[str]) -> None:
    page_text = driver.find_element(By.TAG_NAME, "body").text
    for probe in probes:
        assert probe in page_text, f"{probe!r} is not shown as text"
    assert driver.find_elements(By.CSS_SELECTOR, INJECTED) == []
    assert driver.execute_script("return window.__xss === undefined")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def staff_api(base_url: str, username: str, password: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/staff/login", timeout=10).text
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": password, "form_token": form_token}
    assert http.post(f"{base_url}/staff/login", data=form, allow_redirects=False).status_code == 303
    http.headers["X-CSRF-Token"] = http.get(f"{base_url}/api/staff/me").json()["csrf_token"]
    return http


def test_probes_render_escaped_in_the_staff_portal(stack) -> None:
    web_url = stack.settings.web_url
    person = Resident(stack.settings, "xss-" + uuid.uuid4().hex[:12], "fi", "049")
    person.says(f"{PROBES['img']} hammaslääkäri")
    person.says(PROBES["link"])
    person.says("/request_callback")
    person.says("040 123 4567")
    person.says(PROBES["svg"])
    person.says(f"{PROBES['script']} {PROBES['img']}")
    summary = texts(person.says("Milloin vain"))
    assert PROBES["svg"] in summary  # the resident's name, in the bot's own summary
    confirmation = texts(person.says(text("button_save", "fi")))
    reference = re.search(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b", confirmation).group(0)
    with session_scope(default_engine()) as session:
        request = session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one()
        callback_id = request.id
        assert request.name == PROBES["svg"] and PROBES["script"] in request.topic

    username, password = f"xss.admin.{uuid.uuid4().hex[:6]}", "xss-admin-salasana-1"
    with session_scope(default_engine()) as session:
        create_user(session, username, password, ADMIN)
    api = staff_api(web_url, username, password)
    note = f"Ei vastannut. {PROBES['script']}{PROBES['link']}"
    claimed = api.post(f"{web_url}/api/staff/callbacks/{callback_id}/claim", json={})
    assert claimed.status_code == 200, claimed.text
    released = api.post(f"{web_url}/api/staff/callbacks/{callback_id}/release", json={"note": note})
    assert released.status_code == 200, released.text

    with chromium() as driver:
        driver.get(f"{web_url}/staff/login")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_until(lambda: "/staff/login" not in driver.current_url, 30, "the login")

        driver.get(f"{web_url}/staff/callbacks/{callback_id}")
        assert_shown_as_text(driver, [PROBES["svg"], PROBES["script"], PROBES["img"], note])

        driver.get(f"{web_url}/staff/conversations/{person.sender}")
        assert_shown_as_text(driver, [PROBES["img"], PROBES["link"], PROBES["svg"]])


def test_probes_render_escaped_in_the_chat_widget(stack) -> None:
    with chromium() as driver:
        page = WidgetPage(driver, stack.settings.web_url, "fi")
        page.load()
        page.open()
        page.accept_privacy()
        page.say(f"{PROBES['img']} hammasta särkee")
        page.choose(text("button_callback", "fi"))
        page.say("040 123 4567")
        # The name and the details, which the bot's summary repeats.
        page.say(PROBES["svg"])
        page.say(f"{PROBES['script']} poski turvoksissa")
        summary = widget_texts(page.choose(text("time_any", "fi")))
        assert PROBES["svg"] in summary and PROBES["script"] in summary
        shown = [PROBES["img"], PROBES["script"], PROBES["svg"]]
        assert_shown_as_text(driver, shown)
        # The history is drawn again from the browser's storage after a reload.
        driver.refresh()
        wait_until(lambda: page.visible(".neuvo-log"), 20, "the chat after the reload")
        assert_shown_as_text(driver, shown)
