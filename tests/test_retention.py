"""Retention periods with a moved clock, and deleting a conversation (issue 7).

Conversations are made through the real stack; the retention runs work on
copies of its two SQLite databases (so the other tests' data stays), through
the real `neuvo purge` command and the web app's scheduled job, with "now"
moved by bot.clock's clock file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import create_engine, func, select

from bot import clock
from bot.callbacks.models import CallbackRequest
from bot.callbacks.phone_drafts import PhoneDraft
from bot.callbacks.service import complete
from bot.db import default_engine, engine_for, session_scope
from bot.feedback import record_rating
from bot.models import Feedback
from bot.review.models import ReviewState
from bot.review.tracker import events
from bot.settings import PROJECT_ROOT, Settings
from bot.staff.accounts import create_user
from bot.staff.models import ADMIN, REVIEWER, AuditEntry
from bot.web.app import create_app
from tests.conftest import Resident

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def submit_callback_request(person: Resident) -> str:
    person.says("tarvitsen apua kotihoidon hakemiseen äidille")
    for answer in ("/request_callback", "040 123 4567", "Ohita", "Ei lisättävää", "Milloin vain"):
        person.says(answer)
    return REFERENCE.search(texts(person.says("Kyllä, tallenna"))).group(0)


def leave_a_number_waiting(person: Resident) -> None:
    person.says("/request_callback")
    person.says("050 765 4321")


@dataclass
class Conversations:
    """Made through the running stack, in its databases."""

    with_feedback_and_waiting_number: str
    with_open_callback: str
    with_closed_callback: str
    open_reference: str
    closed_reference: str


@pytest.fixture(scope="module")
def conversations(stack) -> Conversations:
    first = Resident(stack.settings, "retention-" + uuid.uuid4().hex, "fi", "049")
    first.says("hammasta särkee, tarvitsen hammaslääkärin")
    record_rating(default_engine(), first.sender, "down", "fi")
    leave_a_number_waiting(first)
    with session_scope(default_engine()) as session:
        session.add(ReviewState(conversation_id=first.sender, reviewed=True, note="ok"))

    second = Resident(stack.settings, "retention-" + uuid.uuid4().hex, "fi", "049")
    open_reference = submit_callback_request(second)
    third = Resident(stack.settings, "retention-" + uuid.uuid4().hex, "fi", "049")
    closed_reference = submit_callback_request(third)
    with session_scope(default_engine()) as session:
        request = session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == closed_reference)
        ).scalar_one()
        complete(session, request.id, "retention-test", "soitettu")
    return Conversations(
        first.sender, second.sender, third.sender, open_reference, closed_reference
    )


def copy_databases(stack, target: Path) -> Path:
    """Consistent copies in `target` (SQLite's backup API reads through the write-ahead log)."""
    target.mkdir(parents=True, exist_ok=True)
    sources = {
        stack.settings.tracker_db: target / "tracker.db",
        Path(stack.settings.database_url.removeprefix("sqlite:///")): target / "neuvo.db",
    }
    for source, copy in sources.items():
        with sqlite3.connect(source) as original, sqlite3.connect(copy) as duplicate:
            original.backup(duplicate)
        original.close()
        duplicate.close()
    return target


@dataclass
class Kept:
    events: dict[str, int]
    feedback: int
    waiting_numbers: int
    reviews: int
    references: set[str]


def what_is_kept(var_dir: Path, world: Conversations) -> Kept:
    ids = [
        world.with_feedback_and_waiting_number,
        world.with_open_callback,
        world.with_closed_callback,
    ]
    tracker = create_engine(f"sqlite:///{var_dir / 'tracker.db'}")
    with tracker.connect() as connection:
        counts = dict(
            connection.execute(
                select(events.c.sender_id, func.count())
                .where(events.c.sender_id.in_(ids))
                .group_by(events.c.sender_id)
            ).all()
        )
    tracker.dispose()
    application = create_engine(f"sqlite:///{var_dir / 'neuvo.db'}")
    first = world.with_feedback_and_waiting_number
    with session_scope(application) as session:

        def count(model, column) -> int:
            return session.execute(
                select(func.count()).select_from(model).where(column == first)
            ).scalar_one()

        kept = Kept(
            events={sender: counts.get(sender, 0) for sender in ids},
            feedback=count(Feedback, Feedback.conversation_id),
            waiting_numbers=count(PhoneDraft, PhoneDraft.conversation_id),
            reviews=count(ReviewState, ReviewState.conversation_id),
            references=set(
                session.execute(
                    select(CallbackRequest.reference).where(
                        CallbackRequest.reference.in_(
                            [world.open_reference, world.closed_reference]
                        )
                    )
                ).scalars()
            ),
        )
    application.dispose()
    return kept


def run_purge(var_dir: Path, moment: datetime, environment: dict[str, str]) -> str:
    clock_file = var_dir / "clock.txt"
    clock_file.write_text(moment.isoformat(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge"],
        cwd=PROJECT_ROOT,
        env={
            **environment,
            "NEUVO_VAR_DIR": str(var_dir),
            "NEUVO_DATABASE_URL": f"sqlite:///{var_dir / 'neuvo.db'}",
            "NEUVO_CLOCK_FILE": str(clock_file),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_neuvo_purge_keeps_each_kind_for_its_period_and_not_longer(
    stack, conversations, tmp_path
) -> None:
    world = conversations
    copy = copy_databases(stack, tmp_path / "copy")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("NEUVO_RETENTION")
    }
    start = clock.now()
    everything = what_is_kept(copy, world)
    assert all(everything.events.values())
    assert (everything.feedback, everything.waiting_numbers, everything.reviews) == (1, 1, 1)
    assert everything.references == {world.open_reference, world.closed_reference}

    # A waiting phone number: a day.
    run_purge(copy, start + timedelta(hours=20), environment)
    assert what_is_kept(copy, world) == everything
    run_purge(copy, start + timedelta(hours=25), environment)
    assert what_is_kept(copy, world).waiting_numbers == 0

    # A callback request: 30 days after it was closed; an open one stays.
    run_purge(copy, start + timedelta(days=29), environment)
    assert what_is_kept(copy, world).references == everything.references
    said = run_purge(copy, start + timedelta(days=31), environment)
    # The copied database also holds other tests' closed requests: at least ours went.
    assert re.search(r"\b[1-9]\d* callback_requests", said), said
    assert what_is_kept(copy, world).references == {world.open_reference}

    # A conversation: 90 days after its last event, with its feedback and review.
    kept = what_is_kept(copy, world)
    run_purge(copy, start + timedelta(days=89), environment)
    assert what_is_kept(copy, world) == kept
    run_purge(copy, start + timedelta(days=91), environment)
    gone = what_is_kept(copy, world)
    assert set(gone.events.values()) == {0}
    assert (gone.feedback, gone.reviews) == (0, 0)
    assert gone.references == {world.open_reference}  # staff still have to call


async def test_the_web_apps_job_purges_with_the_configured_period(
    stack, conversations, tmp_path, monkeypatch
) -> None:
    copy = copy_databases(stack, tmp_path / "copy")
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text((clock.now() + timedelta(days=3)).isoformat(), encoding="utf-8")
    monkeypatch.setenv("NEUVO_CLOCK_FILE", str(clock_file))
    monkeypatch.setenv("NEUVO_DATABASE_URL", f"sqlite:///{copy / 'neuvo.db'}")
    monkeypatch.setenv("NEUVO_RETENTION_CONVERSATION_DAYS", "2")
    monkeypatch.setenv("NEUVO_RETENTION_INTERVAL_MINUTES", "0.01")
    assert all(what_is_kept(copy, conversations).events.values())
    server = TestServer(create_app(Settings(var_dir=copy)))
    await server.start_server()
    try:
        for _ in range(100):
            await asyncio.sleep(0.2)
            if not any(what_is_kept(copy, conversations).events.values()):
                break
    finally:
        await server.close()
    gone = what_is_kept(copy, conversations)
    assert set(gone.events.values()) == {0}
    assert gone.feedback == 0


# --- deleting a conversation ---------------------------------------------------


def event_count(settings: Settings, sender: str) -> int:
    with engine_for(settings.tracker_url).connect() as connection:
        return connection.execute(
            select(func.count()).select_from(events).where(events.c.sender_id == sender)
        ).scalar_one()


def delete_request(settings: Settings, sender: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{settings.web_url}/api/conversations/{sender}", method="DELETE"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_resident_deletes_their_own_conversation(stack) -> None:
    settings = stack.settings
    person = Resident(settings, uuid.uuid4().hex, "fi", "049")
    reference = submit_callback_request(person)
    record_rating(default_engine(), person.sender, "up", "fi")
    leave_a_number_waiting(person)
    bystander = Resident(settings, uuid.uuid4().hex, "fi")
    bystander.says("hei")
    assert event_count(settings, person.sender) > 0

    assert delete_request(settings, person.sender) == (200, {"deleted": True})
    assert event_count(settings, person.sender) == 0
    with session_scope(default_engine()) as session:
        assert session.get(PhoneDraft, person.sender) is None
        assert not session.execute(
            select(Feedback).where(Feedback.conversation_id == person.sender)
        ).all()
        # A submitted request stays: staff still have to call (docs/privacy.md).
        assert session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one()
    assert event_count(settings, bystander.sender) > 0
    assert delete_request(settings, person.sender) == (200, {"deleted": False})
    # Short ids could be guessed: they prove nothing and are refused.
    status, body = delete_request(settings, "test-1")
    assert status == 400 and "error" in body
    assert event_count(settings, bystander.sender) > 0


class StaffBrowser:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def log_in(self, username: str, password: str) -> None:
        async with self.http.get(f"{self.base_url}/staff/login") as response:
            page = await response.text()
        form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "form_token": form_token}
        async with self.http.post(
            f"{self.base_url}/staff/login", data=form, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
        async with self.http.get(f"{self.base_url}/api/staff/me") as response:
            self.csrf = (await response.json())["csrf_token"]

    async def post(self, path: str, with_csrf: bool = True, **form: str) -> int:
        data = {**form, "csrf_token": self.csrf} if with_csrf else form
        async with self.http.post(
            f"{self.base_url}{path}", data=data, allow_redirects=False
        ) as response:
            return response.status


async def test_an_admin_deletes_a_conversation_with_csrf_and_an_audit_entry(stack) -> None:
    settings = stack.settings
    person = Resident(settings, "asked-by-phone-" + uuid.uuid4().hex[:8], "sv", "710")
    person.says("jag behöver tandläkare")
    suffix = uuid.uuid4().hex[:6]
    accounts = {f"privacy.admin.{suffix}": ADMIN, f"privacy.reviewer.{suffix}": REVIEWER}
    with session_scope(default_engine()) as session:
        for username, role in accounts.items():
            create_user(session, username, "salasana-" + suffix * 2, role)
    path = f"/staff/conversations/{person.sender}/delete"
    admin, reviewer = StaffBrowser(settings.web_url), StaffBrowser(settings.web_url)
    try:
        await admin.log_in(f"privacy.admin.{suffix}", "salasana-" + suffix * 2)
        await reviewer.log_in(f"privacy.reviewer.{suffix}", "salasana-" + suffix * 2)
        assert await reviewer.post(path, confirm="1") == 403
        assert await admin.post(path, with_csrf=False, confirm="1") == 403
        assert await admin.post(path) == 400  # the confirmation box was not ticked
        assert event_count(settings, person.sender) > 0
        assert await admin.post(path, confirm="1") == 303
    finally:
        await admin.http.close()
        await reviewer.http.close()
    assert event_count(settings, person.sender) == 0
    with session_scope(default_engine()) as session:
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.object_type == "conversation", AuditEntry.object_id == person.sender
            )
        ).scalar_one()
    assert entry.action == "delete" and "events" in entry.detail
