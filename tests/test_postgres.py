"""PostgreSQL and Redis (issue 8): migrations, and one conversation across two Rasa processes.

The migrations test fails whenever a model changes without a migration
(`alembic revision --autogenerate` against PostgreSQL makes one). The
conversation tests use the scaled topology's processes (tests/conftest.py
`scaled_stack`) but talk to the two Rasa instances directly, never through
nginx, so that each turn's instance is chosen by the test.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.callbacks.models import CallbackRequest
from bot.db import Base, init_db, make_engine, session_scope
from bot.privacy import redact
from bot.schema import (
    alembic_config,
    current_revision,
    head_revision,
    schema_differences,
    upgrade,
)
from bot.settings import PROJECT_ROOT
from tests.conftest import POSTGRES_SERVER, Resident

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in replies for b in r.get("buttons", [])}


def tracker(instance_url: str, sender: str) -> dict:
    with urllib.request.urlopen(f"{instance_url}/conversations/{sender}/tracker", timeout=30) as r:
        return json.loads(r.read())


def user_texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def test_migrations_create_exactly_the_models_on_postgresql(postgres_database) -> None:
    engine = make_engine(postgres_database("migrations"))
    try:
        assert upgrade(engine).startswith("migrated empty")
        assert current_revision(engine) == head_revision()
        # Empty when every table, column, index and type of the models is in
        # the migrations; a model change without a migration lists it here.
        assert schema_differences(engine) == []
        assert upgrade(engine) == f"at {head_revision()}"  # idempotent
    finally:
        engine.dispose()


def test_migrations_create_exactly_the_models_on_sqlite(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'neuvo.db'}")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert schema_differences(engine) == []


def _migrate(engine, revision: str, down: bool = False) -> None:
    with engine.begin() as connection:
        config = alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def _add_callback(connection, reference: str, key: str, state: str) -> None:
    connection.execute(
        text(
            "INSERT INTO callback_requests (reference, idempotency_key, conversation_id, need,"
            " topic, phone, call_language, preferred_time, urgent, consent_at, created_at,"
            " due_from, due_at, promise_kind, state, attempts) VALUES (:reference, :key, 'c',"
            " 'oral_health', '', '+358401234567', 'fi', 'any', false, :at, :at, :at, :at,"
            " 'today', :state, 0)"
        ),
        {"reference": reference, "key": key, "state": state, "at": datetime(2026, 11, 24, 10)},
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_callbacks_content_key_is_unique_among_open_requests_only(
    database, tmp_path, request
) -> None:
    """Migration 0002 on a database with requests: their history stays, and a
    cancelled request no longer blocks the same request made again."""
    if database == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'neuvo.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_database")("open_key"))
    try:
        _migrate(engine, "0001")
        with engine.begin() as connection:
            _add_callback(connection, "AAA-222", "k" * 64, "cancelled")
            request_id = connection.execute(text("SELECT id FROM callback_requests")).scalar()
            for action in ("submitted", "cancelled"):
                connection.execute(
                    text(
                        "INSERT INTO callback_events (request_id, at, actor, action, note)"
                        " VALUES (:id, :at, 'resident', :action, '')"
                    ),
                    {"id": request_id, "at": datetime(2026, 11, 24, 10), "action": action},
                )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _add_callback(connection, "BBB-333", "k" * 64, "new")  # 0001: the bug

        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert schema_differences(engine) == []
        with engine.begin() as connection:
            events = connection.execute(text("SELECT action FROM callback_events ORDER BY id"))
            assert [e for (e,) in events] == ["submitted", "cancelled"]
            _add_callback(connection, "BBB-333", "k" * 64, "new")
            _add_callback(connection, "CCC-444", "k" * 64, "done")
        # One open request per key; the copied table keeps its other constraints.
        for reference, state in [("DDD-555", "claimed"), ("BBB-333", "cancelled"),
                                 ("EEE-666", "bogus")]:  # fmt: skip
            with pytest.raises(IntegrityError), engine.begin() as connection:
                _add_callback(connection, reference, "k" * 64 if state != "bogus" else "x", state)

        # Back down (after the duplicates are gone) and up again, history kept.
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM callback_requests WHERE reference != 'AAA-222'"))
        _migrate(engine, "0001", down=True)
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM callback_events")).scalar() == 2
    finally:
        engine.dispose()


def test_a_database_made_before_migrations_is_adopted_once(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_db(engine)  # create_all, as `neuvo init-db` did before Alembic
    assert current_revision(engine) is None
    assert "adopted" in upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == f"at {head_revision()}"


def test_the_test_server_is_postgresql(postgres_database) -> None:
    # Guards the fixtures themselves: a fresh, empty PostgreSQL database.
    engine = make_engine(postgres_database("empty"))
    try:
        with engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
            assert (
                connection.execute(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                ).scalar()
                == 0
            )
    finally:
        engine.dispose()
    assert POSTGRES_SERVER.startswith("postgresql")


@pytest.mark.stack
def test_one_conversation_alternating_between_two_rasa_instances(scaled_stack) -> None:
    """A callback form whose every turn goes to the other Rasa process than the last."""
    first, second = scaled_stack.rasa_instance_urls()
    resident = Resident(scaled_stack.settings, "alternating-callback", "fi", "444")
    turns: list[str] = []

    def say(message: str, instance: str) -> list[dict]:
        resident.url = f"{instance}/webhooks/rest/webhook"
        turns.append(message)
        return resident.says(message)

    replies = say("hammasta särkee ja poski on turvonnut", first)
    replies = say(buttons(replies)["Pyydä soittoa"], second)
    assert "Mihin numeroon" in texts(replies)
    assert "Millä nimellä" in texts(say("040 123 4567", first))
    say("Matti", second)
    # The first instance sees what the second one stored, form state included.
    midway = tracker(first, resident.sender)
    assert midway["slots"]["cb_name"] == "Matti"
    assert midway["slots"]["cb_phone"]  # stored redacted (bot/tracker.py), but there
    assert midway["active_loop"]["name"] == "callback_form"
    assert "Milloin" in texts(say("paikka on turvoksissa kolmatta päivää", first))
    summary = texts(say("Huomenna aamupäivällä", second))
    # The summary, written by the second instance, has what the first one collected.
    assert "040 123 4567" in summary and "Matti" in summary
    reference = REFERENCE.search(texts(say("Kyllä, tallenna", first))).group(0)

    seen_by_first = tracker(first, resident.sender)
    seen_by_second = tracker(second, resident.sender)
    # The tracker store keeps messages redacted (bot/tracker.py): the phone number too.
    assert user_texts(seen_by_first["events"]) == [redact(turn) for turn in turns]
    assert seen_by_first["events"] == seen_by_second["events"]
    assert seen_by_second["slots"]["callback_reference"] == reference

    with session_scope(make_engine(scaled_stack.settings.database_url)) as session:
        saved = session.execute(
            select(CallbackRequest).where(CallbackRequest.reference == reference)
        ).scalar_one()
        assert (saved.phone, saved.name, saved.preferred_time) == (
            "+358401234567",
            "Matti",
            "tomorrow_morning",
        )
        # Rasa's events are in the same PostgreSQL database as the callback.
        stored_events = session.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": resident.sender}
        ).scalar()
        assert stored_events == len(seen_by_first["events"])


@pytest.mark.stack
def test_simultaneous_messages_on_both_instances_are_handled_one_at_a_time(scaled_stack) -> None:
    """Redis's lock store: two messages of one conversation, one to each instance at once."""
    instances = scaled_stack.rasa_instance_urls()
    sender = "simultaneous-" + uuid.uuid4().hex
    Resident(scaled_stack.settings, sender, "fi", "049").says("hei")
    messages = ["tarvitsen hammaslääkärin", "olen tosi yksinäinen"] * 3

    def send(pair: tuple[str, str]) -> list[dict]:
        message, instance = pair
        resident = Resident(scaled_stack.settings, sender, "fi", "049")
        resident.url = f"{instance}/webhooks/rest/webhook"
        return resident.says(message)

    for round_start in range(0, len(messages), 2):
        batch = list(zip(messages[round_start : round_start + 2], instances, strict=True))
        with ThreadPoolExecutor(2) as pool:
            assert all(pool.map(send, batch))

    events = tracker(instances[0], sender)["events"]
    assert sorted(user_texts(events)) == sorted(["hei", *messages])
    # Each message was fully answered before the next one was read: between
    # two user events the assistant always got back to listening.
    kinds = [
        "user" if e["event"] == "user" else "listen"
        for e in events
        if e["event"] == "user" or (e["event"] == "action" and e["name"] == "action_listen")
    ]
    user_positions = [i for i, kind in enumerate(kinds) if kind == "user"]
    for before, after in zip(user_positions, user_positions[1:], strict=False):
        assert "listen" in kinds[before + 1 : after], kinds
    with session_scope(make_engine(scaled_stack.settings.database_url)) as session:
        ids = session.execute(
            text("SELECT count(*), count(DISTINCT id) FROM events WHERE sender_id = :s"),
            {"s": sender},
        ).one()
        assert ids[0] == ids[1] == len(events)


def test_every_module_with_tables_is_in_the_model_list() -> None:
    """A model module missing from bot.db.MODEL_MODULES would get no migration."""
    import bot

    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    everything = sorted(Base.metadata.tables)
    listed = subprocess.run(
        [sys.executable, "-c", "from bot.db import Base, import_models; import_models();"
         "print(' '.join(sorted(Base.metadata.tables)))"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    ).stdout.split()  # fmt: skip
    assert listed == everything
