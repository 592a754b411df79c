"""Conversations written the way Rasa writes them, and a logged-in staff client.

Tracker stores here are made by Rasa's own SQLTrackerStore from Rasa's own
event classes, so the review code reads exactly the rows a running Rasa
server leaves behind.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import CategoricalSlot
from rasa.shared.core.trackers import DialogueStateTracker


@dataclass
class Said:
    """One resident message and what the assistant did about it."""

    text: str
    intent: str
    confidence: float
    reply: str = "Selvä."
    routing: dict | None = None
    actions: tuple[str, ...] = ("utter_ok",)
    # The language slot set while handling the message, if it changed.
    language_slot: str | None = None
    # The identifier's verdict on the message: (code, confidence, evidence).
    identified: tuple[str, float, float] | None = None
    runner_up: tuple[str, float] = ("out_of_scope", 0.01)


@dataclass
class Scripted:
    start: datetime  # aware
    turns: list[Said]
    opening: list[str] = field(default_factory=list)  # bot messages before the first turn


def routing(need: str, outcome: str, language: str, provider: str = "public") -> dict:
    return {
        "type": "routing",
        "need": need,
        "outcome": outcome,
        "language": language,
        "municipality": "049",
        "services": [{"id": f"demo-{need}", "name": f"Palvelu {need}", "provider_type": provider}],
    }


def rasa_events(script: Scripted) -> list[Event]:
    at = script.start.timestamp() - 1
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]
    events += [BotUttered(text, timestamp=at) for text in script.opening]
    moment = script.start.timestamp()
    for said in script.turns:
        parse_data = {
            "intent": {"name": said.intent, "confidence": said.confidence},
            "intent_ranking": [
                {"name": said.intent, "confidence": said.confidence},
                {"name": said.runner_up[0], "confidence": said.runner_up[1]},
            ],
            "entities": [],
            "text": said.text,
        }
        if said.identified:
            code, confidence, evidence = said.identified
            parse_data["language"] = {"code": code, "confidence": confidence, "evidence": evidence}
        events.append(
            UserUttered(
                said.text,
                intent=parse_data["intent"],
                parse_data=parse_data,
                timestamp=moment,
                metadata={"language": "fi"},
            )
        )
        if said.language_slot:
            events.append(SlotSet("language", said.language_slot, timestamp=moment + 0.1))
        for action in said.actions:
            events.append(ActionExecuted(action, policy="RulePolicy", confidence=1.0,
                                         timestamp=moment + 0.2))  # fmt: skip
        events.append(BotUttered(said.reply, timestamp=moment + 0.3))
        if said.routing:
            events.append(BotUttered(data={"custom": said.routing}, timestamp=moment + 0.3))
        events.append(ActionExecuted("action_listen", timestamp=moment + 0.4))
        moment += 30
    return events


async def write_tracker(path: Path, scripts: dict[str, Scripted]) -> None:
    """Saves the conversations with Rasa's SQL tracker store into an SQLite file."""
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    slots = [CategoricalSlot("language", mappings=[], values=["fi", "sv"])]
    for sender_id, script in scripts.items():
        tracker = DialogueStateTracker.from_events(sender_id, rasa_events(script), slots=slots)
        await store.save(tracker)
    store.engine.dispose()


def copy_conversations(
    source: Path, target: Path, sender_ids: Iterable[str], shift: timedelta
) -> None:
    """Copies conversations row by row from one Rasa tracker store to another,
    moved in time by `shift` (both the timestamp column and the event's own)."""
    SQLTrackerStore(dialect="sqlite", db=str(target)).engine.dispose()  # Rasa's own table
    wanted = list(sender_ids)
    marks = ",".join("?" * len(wanted))
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        rows = reading.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events"
            f" WHERE sender_id IN ({marks}) ORDER BY id",
            wanted,
        ).fetchall()
        seconds = shift.total_seconds()
        for sender_id, type_name, timestamp, intent_name, action_name, data in rows:
            moved = timestamp + seconds
            event = json.loads(data)
            event["timestamp"] = moved
            data = json.dumps(event)
            writing.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?, ?, ?, ?, ?, ?)",
                (sender_id, type_name, moved, intent_name, action_name, data),
            )


class StaffClient:
    """A logged-in staff member over real HTTP: own cookie jar, no automatic redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def request(self, method: str, path: str, **kwargs) -> tuple[int, dict, str]:
        kwargs.setdefault("allow_redirects", False)
        async with self.http.request(method, self.base_url + path, **kwargs) as response:
            return response.status, response.headers, await response.text()

    async def get(self, path: str, **kwargs) -> tuple[int, dict, str]:
        return await self.request("GET", path, **kwargs)

    async def post_form(self, path: str, form: dict) -> tuple[int, dict, str]:
        return await self.request("POST", path, data={**form, "csrf_token": self.csrf})

    async def log_in(self, username: str, password: str) -> None:
        _, _, page = await self.get("/staff/login")
        form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "form_token": form_token}
        status, _, _ = await self.request("POST", "/staff/login", data=form)
        assert status == 303, f"login of {username} failed: {status}"
        _, _, me = await self.get("/api/staff/me")
        self.csrf = re.search(r'"csrf_token": "([^"]+)"', me).group(1)

    async def close(self) -> None:
        await self.http.close()
