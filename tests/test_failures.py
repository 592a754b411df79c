"""When a part fails: a short apology with a number to call, nothing accepted lost,
and recovery on its own when the part is back (issue 7).

These tests really break the running stack: they kill and restart the action
server and Rasa, hold exclusive locks on the SQLite files, and swap a database
file for one that is not a database. Each restores what it broke in `finally`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.callbacks.models import CallbackRequest
from bot.db import default_engine, session_scope
from bot.messages import text
from tests.conftest import post_json

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")
NEEDS = {
    "fi": "tarvitsen hammaslääkärin, hammasta särkee",
    "sv": "jag behöver tandläkare, tanden värker",
}
LOCK_SECONDS = 14  # longer than the 10 s the application waits for a lock


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def is_routing(replies: list[dict]) -> bool:
    return any((r.get("custom") or {}).get("type") == "routing" for r in replies)


def requests_of(conversation_id: str) -> list[CallbackRequest]:
    with session_scope(default_engine()) as session:
        return list(
            session.execute(
                select(CallbackRequest).where(CallbackRequest.conversation_id == conversation_id)
            ).scalars()
        )


def database_file(url: str) -> Path:
    assert url.startswith("sqlite:///"), "these tests break SQLite files"
    return Path(url.removeprefix("sqlite:///"))


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Another process holding the database: nobody else can read or write it."""
    holder = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def lock_for(path: Path, seconds: float) -> Iterator[None]:
    """An exclusive lock taken now and released after `seconds`, whatever the test does."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with exclusive_lock(path):
            taken.set()
            done.wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(30)
    try:
        yield
    finally:
        done.set()
        holder.join()


@contextmanager
def database_gone(path: Path) -> Iterator[None]:
    """The file swapped for one that is not a database (a failed disk, a wrong mount)."""
    with sqlite3.connect(path, timeout=30) as connection:
        # Everything in the write-ahead log moves into the file, and moves with it.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    away = path.with_name(path.name + ".away")
    os.replace(path, away)
    path.write_bytes(b"this is not a database\n" * 200)
    try:
        yield
    finally:
        os.replace(away, path)


def fill_callback_form(person, phone: str = "040 123 4567") -> str:
    """Up to the summary; returns the summary's text."""
    person.says(NEEDS[person.page_language])
    person.says("/request_callback")
    person.says(phone)
    for answer in {"fi": ("Ohita", "Ei lisättävää"), "sv": ("Hoppa över", "Inget att tillägga")}[
        person.page_language
    ]:
        person.says(answer)
    return texts(person.says({"fi": "Milloin vain", "sv": "När som helst"}[person.page_language]))


SAVE = {"fi": "Kyllä, tallenna", "sv": "Ja, spara"}


# --- the action server --------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_action_server_down_apologises_and_the_conversation_recovers(
    stack, resident, language
) -> None:
    person = resident(language)
    person.municipality = "049"
    stack.kill("actions")
    try:
        replies = person.says(NEEDS[language])
    finally:
        stack.restart("actions")
    assert texts(replies) == text("service_unavailable", language)
    assert "116117" in texts(replies)
    # Back by itself: the same conversation, the same question, a real answer.
    assert is_routing(person.says(NEEDS[language]))


def test_action_server_crash_in_the_middle_of_the_form_keeps_the_answers(stack, resident):
    person = resident("fi")
    person.municipality = "049"
    person.says(NEEDS["fi"])
    person.says("/request_callback")
    person.says("050 765 4321")
    stack.kill("actions")
    try:
        replies = person.says("Ohita")
    finally:
        stack.restart("actions")
    assert texts(replies) == text("service_unavailable", "fi")
    # The resident answers again; the number given before the crash is still there.
    person.says("Ohita")
    person.says("Ei lisättävää")
    summary = texts(person.says("Milloin vain"))
    assert "050 765 4321" in summary
    confirmation = texts(person.says(SAVE["fi"]))
    reference = REFERENCE.search(confirmation).group(0)
    assert [r.reference for r in requests_of(person.sender)] == [reference]
    assert requests_of(person.sender)[0].phone == "+358507654321"


# --- Rasa ----------------------------------------------------------------------


def test_rasa_restart_in_the_middle_of_a_conversation(stack) -> None:
    """Through the web app, as the chat page talks: the apology comes from there."""
    url = f"{stack.settings.web_url}/api/chat"
    sender = "rasa-restart-" + os.urandom(8).hex()

    page = {"language": "sv", "municipality": "710"}

    def says(message: str) -> tuple[int, object]:
        return post_json(url, {"sender": sender, "message": message, "metadata": page})

    assert says(NEEDS["sv"])[0] == 200
    says("/request_callback")
    says("040 111 2233")
    stack.kill("rasa")
    try:
        status, body = says("Hoppa över")
    finally:
        stack.restart("rasa")
    assert status == 503
    assert body["messages"] == [{"text": text("service_unavailable", "sv")}]
    # After the restart the conversation goes on from where it was.
    status, replies = says("Hoppa över")
    assert status == 200 and "Ärende" in texts(replies)
    says("Inget att tillägga")
    status, summary = says("När som helst")
    assert "040 111 2233" in texts(summary)
    status, confirmation = says(SAVE["sv"])
    reference = REFERENCE.search(texts(confirmation)).group(0)
    assert [r.reference for r in requests_of(sender)] == [reference]


# --- the application database --------------------------------------------------


@pytest.mark.parametrize("breakage", ["locked", "gone"])
def test_application_database_failure_while_saving_a_callback(stack, resident, breakage):
    language = "sv" if breakage == "gone" else "fi"
    person = resident(language)
    person.municipality = "710"
    assert "040 123 4567" in fill_callback_form(person)
    path = database_file(stack.settings.database_url)
    broken = lock_for(path, LOCK_SECONDS) if breakage == "locked" else database_gone(path)
    with broken:
        replies = person.says(SAVE[language])
    # The unit cannot be looked up either: the national number is offered.
    assert texts(replies) == text("cb_save_failed", language, phone_alternative="116117")
    assert requests_of(person.sender) == []
    # The database is back: the retry button shows the summary again, then saves.
    retry = next(b for r in replies for b in r.get("buttons") or [])
    assert "040 123 4567" in texts(person.says(retry["payload"]))
    reference = REFERENCE.search(texts(person.says(SAVE[language]))).group(0)
    assert [(r.reference, r.phone) for r in requests_of(person.sender)] == [
        (reference, "+358401234567")
    ]


# --- the tracker store -------------------------------------------------------------


@pytest.mark.parametrize("breakage", ["locked", "gone"])
def test_tracker_store_failure_apologises_and_the_conversation_goes_on(
    stack, resident, breakage
) -> None:
    person = resident("sv")
    person.municipality = "710"
    person.says(NEEDS["sv"])
    person.says("/request_callback")
    person.says("040 765 4321")
    path = stack.settings.tracker_db
    started = time.monotonic()
    broken = lock_for(path, LOCK_SECONDS) if breakage == "locked" else database_gone(path)
    with broken:
        replies = person.says("Hoppa över")
    assert texts(replies) == text("service_unavailable", "sv")
    assert time.monotonic() - started < 60
    # Nothing was taken during the outage; the form waits where it was.
    assert "Ärende" in texts(person.says("Hoppa över"))
    person.says("Inget att tillägga")
    assert "040 765 4321" in texts(person.says("När som helst"))
