"""What the socket.io channel sends: custom payloads that arrive, each message's language.

1. Rasa 3.6's ``SocketIOOutput.send_custom_json`` passes the payload's keys to
   ``sio.emit`` as keyword arguments, so the routing payload
   (shared/domain/CONTRACT.md) fails with a TypeError and never arrives. It is
   sent here as the REST channel sends it: ``{"custom": {...}}``.
2. Each message carries ``"metadata": {"language": "fi"}`` (or ``"sv"``) when
   its language is known, so that the chat widget can mark every message with
   its language for screen readers. The replies' language is decided per turn
   and is not part of the message Rasa hands to the channel, so a text's
   language is identified from the text itself (bot/language/identifier.py);
   a payload names its own. botfront's rasa-webchat reads only its own
   metadata keys and drops the rest, so it is not disturbed.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.socketio import SocketIOOutput

from bot.language.identifier import identify
from bot.language.policy import SERVICE_LANGUAGES


def message_language(message: dict) -> str | None:
    """fi or sv: the language a bot message is written in; None when unclear."""
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("language") in SERVICE_LANGUAGES:
        return custom["language"]
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        code = identify(text).code
        return code if code in SERVICE_LANGUAGES else None
    return None


class LanguageTaggingSocketIOOutput(SocketIOOutput):
    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and "metadata" not in response:
            language = message_language(response)
            if language:
                response = {**response, "metadata": {"language": language}}
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {"custom": json_message})
