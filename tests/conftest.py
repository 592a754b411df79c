"""Shared fixtures: one trained model and one running stack per test run.

NEUVO_TEST_DATABASE=postgres runs the same stack on a fresh PostgreSQL
database with Rasa's lock store on Redis (both local, started when down);
the default is SQLite files in a temporary directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import cmd_init_db
from bot.localservers import (
    create_database,
    drop_database,
    ensure_postgres,
    ensure_redis,
    free_port,
)
from bot.scale import ScaledStack
from bot.settings import Settings
from bot.stack import Stack
from bot.training import ensure_model

TEST_DATABASE = os.environ.get("NEUVO_TEST_DATABASE", "sqlite")
POSTGRES_SERVER = os.environ.get(
    "NEUVO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("NEUVO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def model() -> Path:
    return ensure_model(Settings().models_dir)[0]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """make(label) -> URL of a new empty database neuvo_test_<label>_<random>.

    PostgreSQL and Redis are started when they are down; every database made
    is dropped at the end of the run, after the stacks that use it stopped.
    """
    ensure_postgres(POSTGRES_SERVER)
    ensure_redis(REDIS_URL)
    made: list[str] = []

    def make(label: str) -> str:
        name = f"neuvo_test_{label}_{secrets.token_hex(4)}"
        made.append(name)
        return create_database(POSTGRES_SERVER, name)

    yield make
    for name in made:
        drop_database(POSTGRES_SERVER, name)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Settings:
    ports = dict(rasa_port=free_port(), actions_port=free_port(), web_port=free_port())
    var_dir = tmp_path_factory.mktemp("var")
    if TEST_DATABASE == "postgres":
        database_url = request.getfixturevalue("postgres_database")("stack")
        return Settings(**ports, var_dir=var_dir, database_url=database_url, redis_url=REDIS_URL)
    # Empty URLs: SQLite under var_dir, whatever the shell's NEUVO_* say.
    return Settings(**ports, var_dir=var_dir, database_url="", redis_url="")


@pytest.fixture(scope="session")
def clock_file(settings: Settings) -> Path:
    """Empty: real time. Tests that need another "now" write it here (bot/clock.py)."""
    path = settings.var_dir / "clock.txt"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def stack(
    settings: Settings, model: Path, clock_file: Path, monkeypatch_session
) -> Iterator[Stack]:
    # The test process reads the same database as the action server.
    monkeypatch_session.setenv("NEUVO_DATABASE_URL", settings.database_url)
    monkeypatch_session.setenv("NEUVO_TRACKER_URL", settings.tracker_url)
    monkeypatch_session.setenv("NEUVO_CLOCK_FILE", str(clock_file))
    cmd_init_db(settings)
    with Stack(settings, model) as running:
        yield running


@pytest.fixture(scope="session")
def scaled_stack(
    model: Path, postgres_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScaledStack]:
    """nginx + 2 Rasa + 2 action servers + web on a fresh PostgreSQL database and Redis."""
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        var_dir=tmp_path_factory.mktemp("scaled"),
        database_url=postgres_database("scaled"),
        redis_url=REDIS_URL,
    )
    cmd_init_db(settings)
    stack = ScaledStack(
        settings,
        model,
        rasa_ports=[free_port(), free_port()],
        actions_ports=[free_port(), free_port()],
    )
    with stack:
        yield stack


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def post_json(url: str, payload: dict, timeout: float = 30) -> tuple[int, object]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Resident:
    """One resident talking to the real REST channel."""

    def __init__(
        self,
        settings: Settings,
        sender: str,
        page_language: str | None = "fi",
        municipality: str | None = None,
    ):
        self.url = f"{settings.rasa_url}/webhooks/rest/webhook"
        self.sender = sender
        self.page_language = page_language
        self.municipality = municipality

    def says(self, message: str) -> list[dict]:
        metadata = {"language": self.page_language} if self.page_language else {}
        if self.municipality:
            metadata["municipality"] = self.municipality
        status, replies = post_json(
            self.url, {"sender": self.sender, "message": message, "metadata": metadata}
        )
        assert status == 200, replies
        assert isinstance(replies, list)
        return replies


@pytest.fixture
def clock(stack: Stack, clock_file: Path) -> Iterator:
    """clock(aware datetime) moves the running stack's "now"; real time again afterwards."""

    def set_now(moment) -> None:
        clock_file.write_text(moment.isoformat(), encoding="utf-8")

    yield set_now
    clock_file.write_text("", encoding="utf-8")


def conversation_id(request: pytest.FixtureRequest, number: int = 0) -> str:
    """A conversation id for the test: its name, readable in logs, with the
    parameters hashed (they may hold phone numbers, which the channels refuse
    in an id, bot/privacy.py) and unique for each parameter set."""
    name = request.node.name
    base, _, parameters = name.partition("[")
    # The digest glued to a letter: ten digits alone could read as a phone number.
    digest = hashlib.sha256(parameters.encode()).hexdigest()[:10]
    return f"{base.removeprefix('test_')[:40]}-{number}h{digest}"


@pytest.fixture
def resident(stack: Stack, request: pytest.FixtureRequest):
    """A factory: resident(page_language) -> Resident with a fresh conversation."""
    counter = iter(range(1000))

    def make(page_language: str | None = "fi") -> Resident:
        return Resident(stack.settings, conversation_id(request, next(counter)), page_language)

    return make
