"""Conversation review and analytics in a real browser: headless Chromium (Debian's
chromium + chromedriver) driven by Selenium.

Residents talk to the real stack (trained model, action server). Their
conversations are then copied row by row from Rasa's tracker store into the
tracker store of a separate web app process, spread over three days, so the
analytics page shows exactly this seeded set whatever else the session's
stack has seen. The expected numbers are computed here from what the
residents received and from Rasa's own HTTP API, not from bot.review.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import os
import sqlite3
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import select

from bot.callbacks.service import CallbackDraft, complete, submit_callback
from bot.db import engine_for, init_db, make_engine, session_scope
from bot.models import Feedback
from bot.settings import PROJECT_ROOT, Settings
from bot.staff.accounts import create_user
from bot.staff.context import FINNISH_TIME
from bot.staff.models import AuditEntry
from bot.staff.texts import TEXTS
from tests.browser import chromium, web_app
from tests.conftest import Resident
from tests.review_fixtures import Said, Scripted, copy_conversations, write_tracker

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # tests.browser.chromium() fails with the reason
    pass

pytestmark = pytest.mark.stack

SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "analytics.png"
REVIEWER, PASSWORD = "selma.reviewer", "selaimen-salasana-42"
ADMIN, ADMIN_PASSWORD = "aapo.admin", "selaimen-paasalasana-7"
FALLBACK_ACTIONS = {"action_two_stage_fallback", "action_default_fallback"}
FI = TEXTS["fi"]


def fi_percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}".replace(".", ",") + " %"


# --- the browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator:
    with chromium(window=(1280, 1000), downloads=downloads) as driver:
        yield driver


def downloaded(folder: Path, name: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    path = folder / name
    while time.monotonic() < deadline:
        if path.exists() and not (folder / f"{name}.crdownload").exists():
            return path.read_text(encoding="utf-8")
        time.sleep(0.2)
    raise AssertionError(f"{name} was not downloaded; found {os.listdir(folder)}")


# --- seeding through the real stack --------------------------------------------


@dataclass
class Seeded:
    """A resident's conversation and what this test expects of it."""

    key: str
    sender: str
    language_page: str
    messages: list[str]
    days_back: int
    routings: list[dict] = field(default_factory=list)
    tracker: dict = field(default_factory=dict)  # Rasa's GET /conversations/<id>/tracker

    @property
    def outcome(self) -> str:
        return self.routings[-1]["outcome"] if self.routings else "none"

    @property
    def user_events(self) -> list[dict]:
        return [e for e in self.tracker["events"] if e["event"] == "user"]

    @property
    def started(self) -> datetime:
        first = self.user_events[0]["timestamp"] - self.days_back * 86400
        return datetime.fromtimestamp(first, timezone.utc)

    @property
    def language(self) -> str:
        values = [
            e["value"]
            for e in self.tracker["events"]
            if e["event"] == "slot" and e["name"] == "language" and e["value"] in ("fi", "sv")
        ]
        return values[-1] if values else "fi"

    def fallback_flags(self) -> list[bool]:
        """Per resident message: did the assistant fall back?"""
        flags: list[bool] = []
        for event in self.tracker["events"]:
            if event["event"] == "user":
                flags.append(event["parse_data"]["intent"]["name"] == "nlu_fallback")
            elif event["event"] == "action" and event["name"] in FALLBACK_ACTIONS and flags:
                flags[-1] = True
        return flags


def _rasa_tracker(settings: Settings, sender: str) -> dict:
    url = f"{settings.rasa_url}/conversations/{sender}/tracker"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


SCRIPTS = [
    # (key, page language, municipality, messages, days back)
    ("oral", "fi", "049", ["tarvitsen hammaslääkärin", "/feedback_positive"], 2),
    ("memory", "sv", "091", ["min mamma har blivit väldigt glömsk", "/feedback_negative"], 2),
    ("lonely", "fi", "049", ["olen tosi yksinäinen ja kaipaisin juttuseuraa"], 1),
    ("unclear", "fi", "049", ["asdf"], 0),
    ("money", "sv", "091", ["jag har inte råd att betala hyran"], 0),
]


@pytest.fixture(scope="module")
def seeded(stack) -> list[Seeded]:
    run = uuid.uuid4().hex[:8]
    conversations = []
    for key, language, municipality, messages, days_back in SCRIPTS:
        resident = Resident(stack.settings, f"review-{key}-{run}", language, municipality)
        conversation = Seeded(key, resident.sender, language, messages, days_back)
        for message in messages:
            for reply in resident.says(message):
                custom = reply.get("custom")
                if isinstance(custom, dict) and custom.get("type") == "routing":
                    conversation.routings.append(custom)
        conversation.tracker = _rasa_tracker(stack.settings, resident.sender)
        conversations.append(conversation)
    return conversations


# Callback requests of the period: hours after the period's first midnight,
# and when the first call came: "early" (halfway to the promised time),
# "late" (45 minutes after it) or None (not yet called).
CALLBACKS = [(10, "early"), (30, "late"), (34, None)]


@dataclass
class Portal:
    url: str
    var: Path
    engine: object
    period: tuple[date, date]
    waits: list[timedelta]


def _seed_portal_database(url: str, stack_settings: Settings, seeded: list[Seeded], first: date):
    engine = make_engine(url)
    init_db(engine)
    senders = [c.sender for c in seeded]
    with session_scope(engine_for(stack_settings.database_url)) as source:
        rows = source.execute(select(Feedback).where(Feedback.conversation_id.in_(senders)))
        feedback = [(f.conversation_id, f.rating, f.comment, f.language, f.created_at)
                    for f in rows.scalars()]  # fmt: skip
    waits = []
    midnight = datetime(first.year, first.month, first.day, tzinfo=FINNISH_TIME)
    with session_scope(engine) as db:
        create_user(db, REVIEWER, PASSWORD, "reviewer", "fi")
        create_user(db, ADMIN, ADMIN_PASSWORD, "admin", "fi")
        for conversation_id, rating, comment, language, created_at in feedback:
            db.add(Feedback(conversation_id=conversation_id, rating=rating, comment=comment,
                            language=language, created_at=created_at))  # fmt: skip
        for number, (hours, call) in enumerate(CALLBACKS):
            created = midnight + timedelta(hours=hours)
            draft = CallbackDraft(f"cb-{number}", "memory_concern", "", "040 123 4567", None,
                                  "fi", "any", False, None, None, True)  # fmt: skip
            request, _ = submit_callback(db, draft, created)
            due = request.due_at.replace(tzinfo=timezone.utc)
            if call is not None:
                first_call = (
                    created + (due - created) / 2
                    if call == "early"
                    else due + timedelta(minutes=45)
                )
                complete(db, request.id, 1, "", first_call)
                waits.append(first_call - created)
    return engine, waits


@pytest.fixture(scope="module")
def portal(stack, seeded: list[Seeded], tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The web app in its own process, over a tracker store holding only the seeded set."""
    var = tmp_path_factory.mktemp("review-portal")
    today = datetime.now(FINNISH_TIME).date()
    for days_back in {c.days_back for c in seeded}:
        senders = [c.sender for c in seeded if c.days_back == days_back]
        copy_conversations(stack.settings.tracker_db, var / "tracker.db", senders,
                           -timedelta(days=days_back))  # fmt: skip
    database_url = f"sqlite:///{var / 'neuvo.db'}"
    first = today - timedelta(days=2)
    engine, waits = _seed_portal_database(database_url, stack.settings, seeded, first)
    # The web app reads the tracker store in its var directory (bot.review.tracker).
    try:
        with web_app(var, database_url) as url:
            yield Portal(url, var, engine, (first, today), waits)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def logged_in(browser, portal: Portal):
    browser.get(f"{portal.url}/staff/login")
    browser.find_element(By.ID, "username").send_keys(REVIEWER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # The click does not wait for the next page: the login page's h1 may still be there.
    WebDriverWait(browser, 15).until(lambda driver: "/staff/login" not in driver.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == FI["dashboard_title"]
    return browser


def _period_query(portal: Portal) -> str:
    first, last = portal.period
    return f"from={first}&to={last}"


def _listed(browser) -> set[str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-conversation]")
    return {row.get_attribute("data-conversation") for row in rows}


# --- the tests -----------------------------------------------------------------------


def test_reviewer_filters_opens_a_transcript_corrects_and_exports(
    logged_in, portal: Portal, seeded: list[Seeded], downloads: Path
):
    browser = logged_in
    by_key = {c.key: c for c in seeded}
    browser.get(f"{portal.url}/staff/conversations?{_period_query(portal)}")
    assert _listed(browser) == {c.sender for c in seeded}

    # Filter in the form, as a reviewer does.
    Select(browser.find_element(By.ID, "language")).select_by_value("sv")
    submit_and_wait(browser, "form.filters button[type=submit]", "language=sv")
    assert _listed(browser) == {c.sender for c in seeded if c.language == "sv"}
    Select(browser.find_element(By.ID, "language")).select_by_value("")
    browser.find_element(By.NAME, "fallback").click()
    submit_and_wait(browser, "form.filters button[type=submit]", "fallback=1")
    fell_back = {c.sender for c in seeded if any(c.fallback_flags())}
    assert fell_back and _listed(browser) == fell_back

    # A routed conversation: the transcript shows the routing the resident got.
    oral = by_key["oral"]
    assert oral.routings, "the model did not route 'tarvitsen hammaslääkärin'"
    browser.get(f"{portal.url}/staff/conversations/{oral.sender}")
    assert [(r["need"], r["outcome"]) for r in oral.routings] == routings_on_page(browser)

    # The unclear message: open it from the list, check intent and confidence.
    unclear = by_key["unclear"]
    browser.get(f"{portal.url}/staff/conversations?{_period_query(portal)}&fallback=1")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-conversation="{unclear.sender}"] a').click()
    parsed = unclear.user_events[0]["parse_data"]["intent"]
    turn = browser.find_element(By.CSS_SELECTOR, "li.turn")
    assert turn.find_element(By.CSS_SELECTOR, ".intent").text == parsed["name"]
    expected_confidence = f"{parsed['confidence']:.2f}".replace(".", ",")
    assert turn.find_element(By.CSS_SELECTOR, ".confidence").text == expected_confidence
    with session_scope(portal.engine) as db:
        viewed = db.execute(
            select(AuditEntry.object_id).where(
                AuditEntry.action == "view", AuditEntry.object_type == "conversation"
            )
        ).scalars()
        assert {oral.sender, unclear.sender} <= set(viewed)

    # Correct the intent of "asdf" and download the Finnish NLU export.
    event_id = turn.get_attribute("data-event")
    Select(browser.find_element(By.ID, f"intent-{event_id}")).select_by_value("out_of_scope")
    submit_and_wait(browser, "form.correction button[type=submit]", "saved=correction_saved")
    assert browser.find_element(By.CSS_SELECTOR, "p.notice").text == FI["correction_saved"]
    corrected = browser.find_element(By.CSS_SELECTOR, f"#turn-{event_id} .corrected").text
    assert "out_of_scope" in corrected and parsed["name"] in corrected

    browser.get(f"{portal.url}/staff/corrections")
    browser.find_element(By.ID, "download-nlu-fi").click()
    data = RasaYAMLReader().reads(downloaded(downloads, "corrections_fi.yml"))
    assert [(e.get("intent"), e.get("text")) for e in data.intent_examples] == [
        ("out_of_scope", "asdf")
    ]


def submit_and_wait(browser, button: str, url_part: str) -> None:
    browser.find_element(By.CSS_SELECTOR, button).click()
    WebDriverWait(browser, 15).until(lambda driver: url_part in driver.current_url)


def routings_on_page(browser) -> list[tuple[str, str]]:
    return [
        (
            section.find_element(By.CSS_SELECTOR, "[data-need]").get_attribute("data-need"),
            section.find_element(By.CSS_SELECTOR, "[data-outcome]").get_attribute("data-outcome"),
        )
        for section in browser.find_elements(By.CSS_SELECTOR, "section.routing")
    ]


def _table(browser, name: str) -> list[list[str]]:
    rows = browser.find_elements(By.CSS_SELECTOR, f"#table-{name} tbody tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]


def test_analytics_page_shows_the_seeded_numbers(
    logged_in, portal: Portal, seeded: list[Seeded], downloads: Path
):
    browser = logged_in
    browser.get(f"{portal.url}/staff/analytics?{_period_query(portal)}")
    total = len(seeded)

    first, last = portal.period
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    per_day = {day: 0 for day in days}
    for conversation in seeded:
        per_day[conversation.started.astimezone(FINNISH_TIME).date()] += 1
    assert _table(browser, "per_day") == [[f"{d.day}.{d.month}.", str(per_day[d])] for d in days]

    outcome_counts: dict[str, int] = {}
    for conversation in seeded:
        outcome_counts[conversation.outcome] = outcome_counts.get(conversation.outcome, 0) + 1
    shown = {row[0]: row[1:] for row in _table(browser, "outcomes")}
    assert shown == {
        FI[f"outcome_{outcome}"]: [str(n), str(total), fi_percent(n, total)]
        for outcome, n in outcome_counts.items()
    }

    languages = [c.language for c in seeded]
    assert _table(browser, "languages") == [
        [FI[f"language_{code}"], str(languages.count(code)), str(total),
         fi_percent(languages.count(code), total)]
        for code in ("fi", "sv")
    ]  # fmt: skip

    summary = dict(_table(browser, "summary"))
    assert summary[FI["fig_conversations"]] == str(total)
    third = sum(any(r["outcome"] == "third_sector" for r in c.routings) for c in seeded)
    assert summary[FI["fig_third_sector"]].startswith(
        f"{fi_percent(third, total)} ({third}/{total}), tavoite 10,0 %"
    )
    flags = [flag for c in seeded for flag in c.fallback_flags()]
    assert summary[FI["fig_fallback_messages"]] == (
        f"{fi_percent(sum(flags), len(flags))} ({sum(flags)}/{len(flags)})"
    )
    # Thumbs up in one conversation, down in another.
    assert summary[FI["fig_feedback"]] == "50,0 % (1/2)"
    # Called before the promise, after it, and not at all (now overdue or not yet due).
    judged = 2 + (portal_due_passed(portal))
    assert summary[FI["fig_service_level"]] == f"{fi_percent(1, judged)} (1/{judged})"
    shorter, longer = sorted(portal.waits)
    median_minutes = round((shorter + (longer - shorter) / 2).total_seconds() / 60)
    days, rest = divmod(median_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    expected_wait = (
        f"{days} vrk {hours} h"
        if days
        else f"{hours} h {minutes} min"
        if hours
        else f"{minutes} min"
    )
    assert summary[FI["fig_first_attempt"]] == expected_wait

    save_full_page(browser, SCREENSHOT)

    browser.find_element(By.ID, "csv-outcomes").click()
    name = f"neuvo-outcomes-{first}-{last}.csv"
    rows = list(csv.reader(io.StringIO(downloaded(downloads, name).lstrip("\ufeff"))))
    assert {row[0]: row[1:] for row in rows[1:]} == {
        FI[f"outcome_{outcome}"]: [str(n), str(total), f"{100 * n / total:.1f}"]
        for outcome, n in outcome_counts.items()
    }


def save_full_page(browser, path: Path) -> None:
    """The whole page, not just the window (Chromium's own full-page capture)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def portal_due_passed(portal: Portal) -> int:
    """1 if the never-called request's promised time has passed, else 0 (not yet judged)."""
    with session_scope(portal.engine) as db:
        from bot.callbacks.models import CallbackRequest

        due = db.execute(
            select(CallbackRequest.due_at).where(CallbackRequest.conversation_id == "cb-2")
        ).scalar_one()
    return int(due < datetime.now(timezone.utc).replace(tzinfo=None))


def test_an_admin_deletes_a_conversation_after_ticking_the_box(browser, portal: Portal):
    """Last in the module: logs the reviewer out. The conversation is one of its
    own, from before the analytics period, so the numbers above stay as seeded."""
    sender = f"review-delete-{uuid.uuid4().hex[:8]}"
    started = datetime.now(FINNISH_TIME) - timedelta(days=10)
    script = Scripted(started, [Said("poistakaa keskusteluni", "greet", 0.9)])
    asyncio.run(write_tracker(portal.var / "tracker.db", {sender: script}))

    def events_left() -> int:
        with sqlite3.connect(portal.var / "tracker.db") as tracker:
            query = "SELECT count(*) FROM events WHERE sender_id = ?"
            return tracker.execute(query, (sender,)).fetchone()[0]

    assert events_left() > 0
    browser.delete_all_cookies()
    browser.get(f"{portal.url}/staff/login")
    browser.find_element(By.ID, "username").send_keys(ADMIN)
    browser.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "/staff/login" not in driver.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == FI["dashboard_title"]
    transcript = f"{portal.url}/staff/conversations/{sender}"
    browser.get(transcript)
    assert browser.find_element(By.ID, "delete").text == FI["delete_conversation"]

    # Without the ticked box the browser's own form validation (no script) stops it.
    button = browser.find_element(By.CSS_SELECTOR, "form.delete-conversation button")
    box = browser.find_element(By.CSS_SELECTOR, "form.delete-conversation [name=confirm]")
    button.click()
    assert browser.current_url == transcript
    assert browser.execute_script("return arguments[0].validity.valueMissing", box)
    assert events_left() > 0

    box.click()
    submit_and_wait(browser, "form.delete-conversation button", "saved=conversation_deleted")
    assert browser.find_element(By.CSS_SELECTOR, "p.notice").text == FI["conversation_deleted"]
    assert events_left() == 0
    with session_scope(portal.engine) as db:
        entry = db.execute(
            select(AuditEntry).where(AuditEntry.action == "delete", AuditEntry.object_id == sender)
        ).scalar_one()
    assert entry.object_type == "conversation" and "events" in entry.detail
