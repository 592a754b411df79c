"""The PostgreSQL server really stopped and started again during conversations (issue 7).

Rasa's tracker store and the application tables share one PostgreSQL database
(Settings.tracker_url), so with the server down nothing of a conversation can
be read or written. The resident must then get the short apology in their
language with a number to call, nothing may be confirmed as saved, and when
the server is back everything goes on by itself: no restart of Rasa, the
action server or the web app.

The server stopped here is a private cluster of this module
(bot.localservers.PrivatePostgres: initdb into a temporary directory, its own
port), never the shared one at 127.0.0.1:5432 that other tests use. One stack
(Rasa, actions, web) runs on it for the whole module; the lock store is
in-memory (one Rasa process).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.callbacks.models import CallbackRequest
from bot.cli import cmd_init_db
from bot.db import make_engine, session_scope
from bot.localservers import PrivatePostgres, create_database, free_port, postgres_answers
from bot.messages import text
from bot.settings import Settings
from bot.stack import Stack
from tests.conftest import Resident, post_json
from tests.test_failures import NEEDS, REFERENCE, SAVE, fill_callback_form, is_routing, texts

pytestmark = pytest.mark.stack


@dataclass
class Outage:
    """The stack, the private server under it, and the test's own way into the database."""

    cluster: PrivatePostgres
    stack: Stack
    engine: Engine

    @property
    def settings(self) -> Settings:
        return self.stack.settings

    def resident(self, language: str, label: str) -> Resident:
        person = Resident(self.settings, f"pg-{label}-{os.urandom(6).hex()}", language)
        person.municipality = "710" if language == "sv" else "049"
        return person

    def requests_of(self, conversation_id: str) -> list[CallbackRequest]:
        with session_scope(self.engine) as session:
            query = select(CallbackRequest).where(
                CallbackRequest.conversation_id == conversation_id
            )
            return list(session.execute(query).scalars())

    def tracker_events(self, sender: str) -> list[dict]:
        url = f"{self.settings.rasa_url}/conversations/{sender}/tracker"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())["events"]


@pytest.fixture(scope="module")
def outage(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    # ExitStack: whatever fails, the stack stops first, then the cluster is
    # stopped and deleted.
    with ExitStack() as cleanup:
        cluster = cleanup.enter_context(PrivatePostgres(free_port()))
        settings = Settings(
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port(),
            var_dir=tmp_path_factory.mktemp("pg-outage"),
            database_url=create_database(cluster.server_url, "neuvo"),
            redis_url="",
        )
        cmd_init_db(settings)
        engine = make_engine(settings.database_url)
        cleanup.callback(engine.dispose)
        stack = cleanup.enter_context(Stack(settings, model))
        yield Outage(cluster, stack, engine)


def test_database_down_apologises_confirms_nothing_and_the_conversation_recovers(
    outage: Outage,
) -> None:
    person = outage.resident("sv", "callback")
    assert is_routing(person.says(NEEDS["sv"]))
    assert "040 123 4567" in fill_callback_form(person)
    before = outage.tracker_events(person.sender)
    assert any(e["event"] == "user" for e in before)

    outage.cluster.stop("fast")
    try:
        assert not postgres_answers(outage.cluster.server_url)
        # The resident confirms the summary: an apology in Swedish, no reference.
        replies = person.says(SAVE["sv"])
        # A resident arriving now on a Finnish page, through the chat page's
        # own endpoint: a 200 with the apology in Finnish, not a bare error.
        status, page_replies = post_json(
            f"{outage.settings.web_url}/api/chat",
            {
                "sender": f"pg-newcomer-{os.urandom(6).hex()}",
                "message": NEEDS["fi"],
                "metadata": {"language": "fi", "municipality": "049"},
            },
        )
    finally:
        outage.cluster.start()

    assert texts(replies) == text("service_unavailable", "sv")
    assert "116117" in texts(replies)
    assert not REFERENCE.search(texts(replies))
    assert status == 200, page_replies
    assert texts(page_replies) == text("service_unavailable", "fi")
    assert "116117" in texts(page_replies)
    assert outage.requests_of(person.sender) == []

    # Back by itself. What was said before the outage is all still there, and
    # nothing of the outage was taken as a turn.
    assert outage.tracker_events(person.sender) == before
    # The resident confirms again: now it is saved, once.
    confirmation = texts(person.says(SAVE["sv"]))
    reference = REFERENCE.search(confirmation).group(0)
    assert [(r.reference, r.phone) for r in outage.requests_of(person.sender)] == [
        (reference, "+358401234567")
    ]
    # And the conversation goes on normally.
    assert is_routing(person.says(NEEDS["sv"]))
    after = outage.tracker_events(person.sender)
    assert after[: len(before)] == before


def test_database_restarted_between_two_messages_goes_unnoticed(outage: Outage) -> None:
    """No message while the server was down: the connections Rasa pooled before are
    all dead, and the first message after the restart must not fall on one of them."""
    person = outage.resident("fi", "restart")
    assert is_routing(person.says(NEEDS["fi"]))
    outage.cluster.stop("fast")
    outage.cluster.start()
    replies = person.says(NEEDS["fi"])
    assert texts(replies) != text("service_unavailable", "fi")
    assert is_routing(replies)
    events = outage.tracker_events(person.sender)
    assert [e["text"] for e in events if e["event"] == "user"] == [NEEDS["fi"]] * 2
