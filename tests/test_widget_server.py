"""The server side of the chat widget, over real HTTP.

- The socket.io relay of the web app, both Engine.IO transports, against the
  session's stack: long-polling with python-socketio's client, a websocket
  spoken by hand (Engine.IO 4 / Socket.IO 5 frames). Replies carry their
  language, the routing payload arrives under "custom", and Rasa's
  acknowledgement of a message comes after the turn's last reply (the
  widget's typing indicator relies on it).
- The widget's settings and service details, CORS for pages on other sites,
  and a relay whose Rasa is down: an app of the test's own, on a catalogue
  database of the test's own.
- Opening hours in words.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from bot.catalogue.hours_text import weekly_hours_text
from bot.retention import RetentionPolicy
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.ui_texts import WIDGET_TEXTS
from bot.web.widget_api import widget_texts
from tests.browser import free_port
from tests.catalogue_db import build_template

OTHER_SITE = "https://www.raasepori.fi"
TURN_TIMEOUT_S = 60


# --- opening hours in words ------------------------------------------------------


def test_weekly_hours_in_words_both_languages() -> None:
    weekdays = [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "16:00"}]
    assert weekly_hours_text(weekdays, "fi") == ["maanantai–perjantai klo 8–16"]
    assert weekly_hours_text(weekdays, "sv") == ["måndag–fredag kl. 8–16"]


def test_weekly_hours_group_days_and_keep_breaks() -> None:
    hours = [
        {"days": [0, 2, 4], "open": "08:00", "close": "11:30"},
        {"days": [0, 2, 4], "open": "12:30", "close": "16:00"},
        {"days": [1, 3], "open": "09:00", "close": "15:00"},
        {"days": [5], "open": "10:00", "close": "14:00"},
    ]
    assert weekly_hours_text(hours, "fi") == [
        "maanantai, keskiviikko, perjantai klo 8–11.30, 12.30–16",
        "tiistai, torstai klo 9–15",
        "lauantai klo 10–14",
    ]


@pytest.mark.parametrize(
    "hours",
    [
        [],
        None,
        [{"days": [0], "open": "16:00", "close": "08:00"}],
        [{"days": [9, "x"], "open": "08:00", "close": "16:00"}],
        [{"days": [0], "open": "kahdeksan", "close": "16"}],
        ["not an entry", 42],
    ],
)
def test_weekly_hours_leave_out_what_is_malformed(hours) -> None:
    assert weekly_hours_text(hours, "fi") == []


# --- the widget's settings --------------------------------------------------------


def test_widget_texts_are_filled_with_the_retention_periods(monkeypatch) -> None:
    monkeypatch.setenv("NEUVO_RETENTION_CONVERSATION_DAYS", "45")
    monkeypatch.setenv("NEUVO_RETENTION_CALLBACK_DAYS", "14")
    texts = widget_texts(RetentionPolicy())
    assert set(texts["fi"]) == set(texts["sv"]) == set(WIDGET_TEXTS["fi"])
    assert "45 päivän" in texts["fi"]["widget_privacy_stored"]
    assert "45 dagar" in texts["sv"]["widget_privacy_stored"]
    assert "14 päivän" in texts["fi"]["widget_privacy_callback"]
    assert "14 dagar" in texts["sv"]["widget_privacy_callback"]
    assert not any("{" in t for language in texts.values() for t in language.values())


@pytest.fixture(scope="module")
def catalogue_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{build_template(tmp_path_factory.mktemp('widget-catalogue'))}"


async def _client(settings: Settings) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def web(catalogue_url: str, tmp_path: Path, monkeypatch) -> AsyncIterator[TestClient]:
    """The web app in this process; its Rasa port has nothing behind it."""
    monkeypatch.delenv("NEUVO_WIDGET_ORIGINS", raising=False)
    settings = Settings(
        rasa_port=free_port(), var_dir=tmp_path, database_url=catalogue_url, redis_url=""
    )
    async for client in _client(settings):
        yield client


@pytest.fixture
async def guarded_web(catalogue_url: str, tmp_path: Path, monkeypatch) -> AsyncIterator:
    """The same, allowing one other site only."""
    monkeypatch.setenv("NEUVO_WIDGET_ORIGINS", OTHER_SITE)
    settings = Settings(
        rasa_port=free_port(), var_dir=tmp_path, database_url=catalogue_url, redis_url=""
    )
    async for client in _client(settings):
        yield client


async def test_config_gives_both_languages(web) -> None:
    response = await web.get("/api/widget/config")
    assert response.status == 200
    body = await response.json()
    assert body["languages"] == ["fi", "sv"]
    assert body["texts"] == widget_texts(RetentionPolicy())


async def test_service_details_from_the_catalogue(web) -> None:
    ids = "demo-oral-health-710,no-such-service,mieli-kriisikeskukset-uusimaa"
    response = await web.get(f"/api/widget/services?lang=sv&ids={ids}")
    assert response.status == 200
    services = (await response.json())["services"]
    assert [s["id"] for s in services] == ["demo-oral-health-710", "mieli-kriisikeskukset-uusimaa"]
    oral, crisis = services
    assert oral["hours"] == [{"channel": "location", "lines": ["måndag–fredag kl. 8–15.30"]}]
    assert oral["always_open"] is False and oral["links"] == []
    assert {"type": "webpage", "url": "https://mieli.fi"} in crisis["links"]


@pytest.mark.parametrize(
    "query",
    [
        "lang=en&ids=demo-oral-health-710",
        "lang=fi",
        "lang=fi&ids=",
        "lang=fi&ids=" + ",".join(f"s{n}" for n in range(11)),
        "lang=fi&ids=%3Cscript%3E",
        "lang=fi&ids=" + "x" * 65,
    ],
)
async def test_service_details_refuse_bad_queries(web, query) -> None:
    response = await web.get(f"/api/widget/services?{query}")
    assert response.status == 400
    assert "error" in await response.json()


async def test_other_sites_may_use_the_widget_by_default(web) -> None:
    response = await web.get("/api/widget/config", headers={"Origin": OTHER_SITE})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == OTHER_SITE
    preflight = await web.options(
        "/api/conversations/" + secrets.token_hex(16),
        headers={"Origin": OTHER_SITE, "Access-Control-Request-Method": "DELETE"},
    )
    assert preflight.status == 204
    assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]
    deleted = await web.delete(
        "/api/conversations/" + secrets.token_hex(16), headers={"Origin": OTHER_SITE}
    )
    assert deleted.headers["Access-Control-Allow-Origin"] == OTHER_SITE


async def test_only_the_allowed_sites_when_they_are_listed(guarded_web) -> None:
    allowed = await guarded_web.get("/api/widget/config", headers={"Origin": OTHER_SITE})
    assert allowed.status == 200
    for path in ("/api/widget/config", "/socket.io/?EIO=4&transport=polling"):
        refused = await guarded_web.get(path, headers={"Origin": "https://evil.example"})
        assert refused.status == 403, path
        assert "Access-Control-Allow-Origin" not in refused.headers
    # The web app's own host: its pages, and another port of it (another origin to a browser).
    own = str(guarded_web.make_url("/")).rstrip("/")
    for origin in (own, "http://127.0.0.1:9"):
        same_host = await guarded_web.get("/api/widget/config", headers={"Origin": origin})
        assert same_host.status == 200
        assert same_host.headers["Access-Control-Allow-Origin"] == origin


async def test_relay_answers_502_when_rasa_is_down(web) -> None:
    response = await web.get("/socket.io/?EIO=4&transport=polling")
    assert response.status == 502


# --- the relay to the running Rasa -----------------------------------------------


def session_id() -> str:
    return secrets.token_hex(16)


async def _polling_turn(web_url: str, message: str, language: str) -> tuple[list[dict], list]:
    """(replies, the order of events) of one turn over long-polling through the web app."""
    client = socketio.AsyncClient()
    replies: list[dict] = []
    order: list[str] = []
    confirmed, acknowledged = asyncio.Event(), asyncio.Event()

    @client.on("bot_uttered")
    async def on_bot(data):
        replies.append(data)
        order.append("reply")

    @client.on("session_confirm")
    async def on_confirm(_):
        confirmed.set()

    def on_ack(*_):
        order.append("ack")
        acknowledged.set()

    await client.connect(web_url, socketio_path="/socket.io", transports=["polling"])
    try:
        sender = session_id()
        await client.emit("session_request", {"session_id": sender})
        await asyncio.wait_for(confirmed.wait(), 10)
        metadata = {"language": language, "municipality": "710"}
        await client.emit(
            "user_uttered",
            {"message": message, "session_id": sender, "metadata": metadata},
            callback=on_ack,
        )
        await asyncio.wait_for(acknowledged.wait(), TURN_TIMEOUT_S)
    finally:
        await client.disconnect()
    return replies, order


@pytest.mark.stack
@pytest.mark.parametrize(
    ("message", "language"), [("hammasta särkee", "fi"), ("jag har tandvärk", "sv")]
)
async def test_polling_relay_delivers_the_turn_with_languages_and_payload(
    stack, message, language
) -> None:
    replies, order = await _polling_turn(stack.settings.web_url, message, language)
    # The acknowledgement comes once, after every reply of the turn.
    assert order == ["reply"] * len(replies) + ["ack"]
    texts = [r for r in replies if "text" in r]
    assert texts and all(r["metadata"] == {"language": language} for r in texts)
    assert any(r.get("quick_replies") for r in texts)
    payloads = [r["custom"] for r in replies if "custom" in r]
    assert len(payloads) == 1
    routing = payloads[0]
    assert routing["type"] == "routing" and routing["language"] == language
    assert routing["municipality"] == "710" and routing["services"]


async def _engineio_frames(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[str]:
    """Engine.IO packets as they come, answering the server's pings on the way."""
    while True:
        message = await asyncio.wait_for(ws.receive(), TURN_TIMEOUT_S)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        if message.data == "2":  # ping
            await ws.send_str("3")
            continue
        yield message.data


@pytest.mark.stack
async def test_websocket_relay_speaks_socketio_both_ways(stack) -> None:
    url = f"{stack.settings.web_url}/socket.io/?EIO=4&transport=websocket"
    sender = session_id()
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        frames = _engineio_frames(ws)
        opened = await anext(frames)
        assert opened.startswith("0") and "sid" in json.loads(opened[1:])
        await ws.send_str("40")  # Socket.IO: connect to the default namespace
        assert (await anext(frames)).startswith("40")
        await ws.send_str("42" + json.dumps(["session_request", {"session_id": sender}]))
        confirm = await anext(frames)
        assert confirm.startswith("42") and json.loads(confirm[2:]) == ["session_confirm", sender]
        user = {"message": "tarvitsen hammaslääkärin", "session_id": sender,
                "metadata": {"language": "fi", "municipality": "710"}}  # fmt: skip
        await ws.send_str("421" + json.dumps(["user_uttered", user]))  # 1: ack id
        events = []
        async for frame in frames:
            if frame.startswith("431"):  # the acknowledgement of message 1
                break
            assert frame.startswith("42"), frame
            name, data = json.loads(frame[2:])
            assert name == "bot_uttered"
            events.append(data)
    assert any("custom" in e and e["custom"]["need"] == "oral_health" for e in events)
    assert all(e["metadata"]["language"] == "fi" for e in events)
