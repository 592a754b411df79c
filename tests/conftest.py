"""Shared fixtures: one trained model and one running stack per test run."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import cmd_init_db
from bot.settings import Settings
from bot.stack import Stack
from bot.training import ensure_model


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def model() -> Path:
    return ensure_model(Settings().models_dir)[0]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        rasa_port=_free_port(),
        actions_port=_free_port(),
        web_port=_free_port(),
        var_dir=tmp_path_factory.mktemp("var"),
    )


@pytest.fixture(scope="session")
def stack(settings: Settings, model: Path, monkeypatch_session) -> Iterator[Stack]:
    # The test process reads the same database as the action server.
    monkeypatch_session.setenv("NEUVO_DATABASE_URL", settings.database_url)
    cmd_init_db(settings)
    with Stack(settings, model) as running:
        yield running


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
def resident(stack: Stack, request: pytest.FixtureRequest):
    """A factory: resident(page_language) -> Resident with a fresh conversation."""
    counter = iter(range(1000))

    def make(page_language: str | None = "fi") -> Resident:
        sender = f"{request.node.name}-{next(counter)}".replace("[", "-").replace("]", "")
        return Resident(stack.settings, sender[:60], page_language)

    return make
