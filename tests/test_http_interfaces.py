"""The Rasa HTTP API, the socket.io channel and the web app, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request

import pytest
import socketio

from bot.privacy import SENDER_WITH_PERSONAL_DATA
from tests.conftest import post_json

pytestmark = pytest.mark.stack


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tarvitsen hammaslääkärin", "fi"),
        ("jag behöver en tandläkare", "sv"),
        ("I need a dentist", "en"),
        ("😀 123", None),
    ],
)
def test_model_parse_reports_language(stack, text, code) -> None:
    status, parsed = post_json(f"{stack.settings.rasa_url}/model/parse", {"text": text})
    assert status == 200
    assert parsed["language"]["code"] == code
    assert 0.0 <= parsed["language"]["confidence"] <= 1.0
    assert "intent" in parsed


async def _socketio_conversation(url: str, metadata_key: str, message: str, language: str):
    client = socketio.AsyncClient()
    replies: list[dict] = []
    got_reply = asyncio.Event()

    @client.on("bot_uttered")
    async def on_bot(data):
        replies.append(data)
        got_reply.set()

    confirmed = asyncio.Event()

    @client.on("session_confirm")
    async def on_confirm(_):
        confirmed.set()

    # Long-polling: the python-engineio client needs aiohttp >= 3.10 for
    # websockets, and Rasa 3.6 pins aiohttp 3.9. The server side is the same.
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        session_id = "socketio-test-session"
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit(
            "user_uttered",
            {"message": message, "session_id": session_id, metadata_key: {"language": language}},
        )
        await asyncio.wait_for(got_reply.wait(), 30)
    finally:
        await client.disconnect()
    return replies


@pytest.mark.parametrize("metadata_key", ["metadata", "customData"])
async def test_socketio_delivers_replies_with_session_persistence(stack, metadata_key) -> None:
    replies = await _socketio_conversation(stack.settings.rasa_url, metadata_key, "hej", "sv")
    assert replies and "Neuvo" in replies[0]["text"]
    # The page metadata arrived: a Swedish page and "hej" give a Swedish greeting.
    assert replies[0]["text"].startswith("Hej")


async def test_socketio_answers_a_too_long_message_politely_and_ignores_garbage(stack) -> None:
    client = socketio.AsyncClient()
    replies: list[dict] = []
    sessions: list[str] = []
    got = asyncio.Event()

    @client.on("bot_uttered")
    async def on_bot(data):
        replies.append(data)
        got.set()

    @client.on("session_confirm")
    async def on_confirm(session_id):
        sessions.append(session_id)
        got.set()

    url = stack.settings.rasa_url
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        # Not a dict, a number for an id, an id too long: each still gets a fresh session.
        for request in ("nonsense", {"session_id": 5}, {"session_id": "x" * 300}):
            got.clear()
            await client.emit("session_request", request)
            await asyncio.wait_for(got.wait(), 10)
        assert len(sessions) == 3 and all(len(s) == 32 for s in sessions)
        session = sessions[-1]
        for garbage in ("text", {"session_id": session}, {"session_id": session, "message": 7}):
            await client.emit("user_uttered", garbage)
        got.clear()
        await client.emit(
            "user_uttered",
            {"session_id": session, "message": "a" * 5001, "metadata": {"language": "sv"}},
        )
        await asyncio.wait_for(got.wait(), 30)
        await asyncio.sleep(1)  # anything the garbage caused would have come by now
    finally:
        await client.disconnect()
    assert [r["text"] for r in replies] == [
        "Ditt meddelande är för långt. Skriv kortare, högst 5 000 tecken."
    ]


def test_rasa_api_listens_on_loopback_only(stack) -> None:
    assert stack.settings.rasa_host == "127.0.0.1"


@pytest.mark.parametrize(("path", "lang"), [("/fi", "fi"), ("/sv", "sv")])
def test_demo_pages(stack, path, lang) -> None:
    with urllib.request.urlopen(stack.settings.web_url + path, timeout=10) as response:
        html = response.read().decode()
    assert f'<html lang="{lang}">' in html
    # The chat is the widget (tests/test_widget_*.py): one script tag with the page metadata.
    assert f'src="/static/widget.js" data-lang="{lang}" data-municipality="710"' in html


def test_chat_proxy_reaches_the_assistant(stack) -> None:
    status, replies = post_json(
        f"{stack.settings.web_url}/api/chat",
        {"sender": "web-proxy-test-1", "message": "hej", "metadata": {"language": "sv"}},
    )
    assert status == 200
    assert replies[0]["text"].startswith("Hej")


@pytest.mark.parametrize(
    "payload",
    [
        {"sender": "web-proxy-test-2", "message": ""},
        {"sender": "web-proxy-test-2", "message": "   "},
        {"sender": "web-proxy-test-2", "message": "\u001b\u0000"},  # control characters only
        {"sender": "x", "message": "hei"},
        {"sender": "<script>", "message": "hei"},
        {"sender": "web-proxy-test-2", "message": 42},
        {"sender": "web-proxy-test-2", "message": "hammaslääkäri " * 400},  # over 5000
        ["not", "an", "object"],
    ],
)
def test_chat_proxy_rejects_bad_input_politely(stack, payload) -> None:
    status, body = post_json(f"{stack.settings.web_url}/api/chat", payload)
    assert status == 400
    assert "error" in body


@pytest.mark.parametrize(
    ("channel", "sender"),
    [
        ("web", "0401234567"),
        ("web", "asiakas-0401234567"),
        ("rest", "0401234567"),
        ("rest", "matti.meikalainen@example.fi"),
    ],
)
def test_a_conversation_id_with_personal_data_is_refused(stack, channel, sender) -> None:
    url = (
        f"{stack.settings.web_url}/api/chat"
        if channel == "web"
        else f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    )
    status, body = post_json(url, {"sender": sender, "message": "hei"})
    assert status == 400 and body["error"] == SENDER_WITH_PERSONAL_DATA
    # Nothing was stored under it.
    tracker_url = f"{stack.settings.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker"
    with urllib.request.urlopen(tracker_url, timeout=10) as response:
        events = json.loads(response.read()).get("events") or []
    assert not [e for e in events if e["event"] == "user"]


def test_chat_proxy_rejects_invalid_json(stack) -> None:
    request = urllib.request.Request(
        f"{stack.settings.web_url}/api/chat",
        data=b"\xff\xfe{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 400
