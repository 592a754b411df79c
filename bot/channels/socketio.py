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

ALTERNATIVE_METADATA_KEY = "customData"


class SocketIOInput(RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio

        # Re-registering an event replaces Rasa's handler for it.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            data = data or {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict) -> None:
            if not isinstance(data, dict):
                return  # not a message at all: nothing to answer
            if self.session_persistence:
                if not data.get("session_id"):
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            output = CountingSocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(
                str(data.get("message") or ""),
                output,
                sender_id,
                input_channel=self.name(),
                metadata=_metadata(data, self.metadata_key),
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


def _metadata(data: dict, key: str) -> dict:
    metadata = data.get(key) or data.get(ALTERNATIVE_METADATA_KEY) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}
