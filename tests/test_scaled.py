"""The scaled topology through its load balancer (issue 8): `neuvo run --scaled`.

nginx in front of two Rasa and two action servers on PostgreSQL and Redis
(tests/conftest.py `scaled_stack`, shared with tests/test_postgres.py).
Residents talk to nginx only, as they would in production.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from sqlalchemy import select

from bench.load import NEUVO_SCRIPTS, count_out_of_order, drive
from bot.appointments.models import Booking
from bot.db import make_engine, session_scope
from bot.privacy import redact
from tests.conftest import Resident, post_json

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def button_payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def user_texts(rasa_url: str, sender: str) -> list[str]:
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker", timeout=30) as r:
        return [e["text"] for e in json.loads(r.read())["events"] if e["event"] == "user"]


def as_stored(turns: list[str]) -> list[str]:
    """The tracker store keeps messages redacted (bot/tracker.py)."""
    return [redact(turn) for turn in turns]


def book(resident: Resident) -> tuple[list[str], str]:
    """need -> book -> first offered time; returns the turns sent and the reference."""
    turns = ["tarviin hammaslääkärin, paikka lohkesi"]
    replies = resident.says(turns[-1])
    turns.append(next(p for p in button_payloads(replies) if p == "/book_appointment"))
    replies = resident.says(turns[-1])
    turns.append(next(p for p in button_payloads(replies) if p.startswith("/choose_slot")))
    replies = resident.says(turns[-1])
    assert "Aika on varattu" in texts(replies), replies
    return turns, REFERENCE.search(texts(replies)).group(0)


def test_a_booking_through_the_load_balancer_uses_both_instances(scaled_stack) -> None:
    before = scaled_stack.answered_by()
    resident = Resident(scaled_stack.settings, "scaled-booking", "fi", "444")
    turns, reference = book(resident)
    turns.append("kiitos")
    resident.says(turns[-1])

    assert user_texts(scaled_stack.settings.rasa_url, resident.sender) == as_stored(turns)
    with session_scope(make_engine(scaled_stack.settings.database_url)) as session:
        booking = session.execute(select(Booking).where(Booking.reference == reference))
        assert booking.scalar_one().state == "active"
    served = scaled_stack.answered_by() - before
    instances = {url.removeprefix("http://") for url in scaled_stack.rasa_instance_urls()}
    assert set(served) == instances and sum(served.values()) == len(turns)


def test_concurrent_conversations_keep_their_turns_in_order(scaled_stack) -> None:
    def converse(number: int) -> tuple[str, list[str]]:
        resident = Resident(scaled_stack.settings, f"scaled-order-{number}", "sv", "710")
        turns = ["hej", "jag behöver tandvård", "tack", f"fråga {number}"]
        for turn in turns:
            resident.says(turn)
        return resident.sender, turns

    with ThreadPoolExecutor(8) as pool:
        conversations = list(pool.map(converse, range(16)))
    for sender, turns in conversations:
        assert user_texts(scaled_stack.settings.rasa_url, sender) == as_stored(turns)


async def _socketio_reply(url: str, session_id: str) -> list[dict]:
    client = socketio.AsyncClient()
    replies: list[dict] = []
    got_reply, confirmed = asyncio.Event(), asyncio.Event()
    client.on("bot_uttered", lambda data: (replies.append(data), got_reply.set()))
    client.on("session_confirm", lambda _: confirmed.set())
    # Long-polling: several HTTP requests per session, each of which must
    # reach the instance that holds the session (see tests/test_http_interfaces.py
    # for why not websockets).
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 15)
        await client.emit(
            "user_uttered",
            {"message": "hej", "session_id": session_id, "metadata": {"language": "sv"}},
        )
        await asyncio.wait_for(got_reply.wait(), 30)
    finally:
        await client.disconnect()
    return replies


async def test_socketio_sessions_stick_to_one_instance(scaled_stack) -> None:
    url = scaled_stack.settings.rasa_url
    replies = await asyncio.gather(*(_socketio_reply(url, f"sticky-{n}") for n in range(4)))
    assert all(r and r[0]["text"].startswith("Hej") for r in replies)


def test_the_web_app_reaches_the_assistant_through_the_load_balancer(scaled_stack) -> None:
    status, replies = post_json(
        f"{scaled_stack.settings.web_url}/api/chat",
        {"sender": "scaled-web-proxy", "message": "hei", "metadata": {"language": "fi"}},
    )
    assert status == 200 and replies and "Neuvo" in replies[0]["text"]


def test_conversations_go_on_when_one_rasa_instance_dies(scaled_stack) -> None:
    resident = Resident(scaled_stack.settings, "scaled-failover", "fi", "049")
    resident.says("hei")
    scaled_stack.kill("rasa-1")
    try:
        turns = ["hei", "tarvitsen hammaslääkärin", "kiitos", "moi"]
        for turn in turns[1:]:
            assert resident.says(turn)
        assert user_texts(scaled_stack.settings.rasa_url, resident.sender) == as_stored(turns)
    finally:
        scaled_stack.restart("rasa-1")


def test_the_load_benchmark_runs_clean_on_the_scaled_topology(scaled_stack) -> None:
    """bench/load.py's residents, briefly: no errors, every conversation in order."""
    url = scaled_stack.settings.rasa_url
    result = asyncio.run(drive(url, NEUVO_SCRIPTS, concurrency=6, duration=10.0, label="smoke"))
    assert result.turns >= 6 and result.error_samples == []
    assert (result.http_errors, result.script_errors) == (0, 0)
    assert asyncio.run(count_out_of_order(url, result.conversations)) == 0
