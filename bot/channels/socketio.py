"""Rasa's socket.io channel, with two fixes.

1. With ``session_persistence: true`` and python-socketio 5.10 or newer, Rasa
   3.6 never delivers replies: ``enter_room`` became a coroutine and Rasa does
   not await it (RasaHQ/rasa issue 13027), so the client never joins its
   session's room.
2. Page metadata is also accepted under ``customData``, the key botfront's
   rasa-webchat uses (shared/domain/CONTRACT.md).
3. A turn that fails ends with an apology, not silence (bot/channels/apology.py).
4. Custom payloads arrive, and messages carry their language
   (bot/channels/socketio_output.py).
5. What clients send is checked as the REST channel checks it
   (bot/channels/rest.py): anything that is not an event of the right shape is
   ignored, and a message over the length limit gets a polite answer instead
   of going through the model.

Registered in credentials.yml as ``bot.channels.socketio.SocketIOInput``; its
name stays ``socketio``, so clients see no difference.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from bot.channels.apology import handle_or_apologise
from bot.channels.socketio_output import LanguageTaggingSocketIOOutput
from bot.language.policy import DEFAULT_LANGUAGE, page_language
from bot.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS
from bot.messages import text
from bot.privacy import id_contains_personal_data

ALTERNATIVE_METADATA_KEY = "customData"


class SocketIOInput(RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio

        # Re-registering an event replaces Rasa's handler for it.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if _valid_session_id(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict) -> None:
            if not isinstance(data, dict):
                return  # not a message at all: nothing to answer
            if self.session_persistence:
                if not _valid_session_id(data.get("session_id")):
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            words, metadata = data.get("message"), _metadata(data, self.metadata_key)
            if not isinstance(words, str) or not words.strip():
                return
            output = CountingSocketIOOutput(sio, self.bot_message_evt)
            if len(words) > MAX_MESSAGE_CHARS:
                language = page_language(metadata) or DEFAULT_LANGUAGE
                await output.send_text_message(sid, text("message_too_long", language))
                return
            message = UserMessage(
                words, output, sender_id, input_channel=self.name(), metadata=metadata
            )
            agent = sio.get_environ(sid, namespace=self.namespace)["sanic.request"].app.ctx.agent
            await handle_or_apologise(agent, on_new_message, message, lambda: output.sent)

        return blueprint


class CountingSocketIOOutput(LanguageTaggingSocketIOOutput):
    """The socket.io output (bot/channels/socketio_output.py), counting the messages it sends."""

    def __init__(self, sio, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(socket_id, response)
        self.sent += 1


def _valid_session_id(session_id: Any) -> bool:
    return (
        isinstance(session_id, str)
        and 0 < len(session_id) <= MAX_SENDER_CHARS
        and not id_contains_personal_data(session_id)
    )


def _metadata(data: dict, key: str) -> dict:
    metadata = data.get(key) or data.get(ALTERNATIVE_METADATA_KEY) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}
