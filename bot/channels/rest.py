"""Rasa's REST channel, checking what it is sent and never answering with silence.

Rasa's own channel answers a JSON list or a number with a server error and
takes a message of any size. This one answers bad input with 400 and a
reason, and handles each message through bot.channels.apology, so a failed
turn ends with an apology rather than an empty list. Its name stays ``rest``
(URL /webhooks/rest/webhook); registered in credentials.yml as
``bot.channels.rest.RestInput``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.apology import handle_or_apologise
from bot.limits import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, TOO_LONG
from bot.privacy import SENDER_WITH_PERSONAL_DATA, id_contains_personal_data


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    metadata: dict
    input_channel: str | None


def read_message(request: Request) -> IncomingMessage | str:
    """The message in the request body, or why it cannot be taken."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
        return "the body must be JSON"
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender, text = body.get("sender"), body.get("message")
    metadata = body.get("metadata") or {}
    input_channel = body.get("input_channel")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
        return f"sender must be text of 1 to {MAX_SENDER_CHARS} characters"
    if id_contains_personal_data(sender):
        # The id is stored as it is with every event: it must not be a person's number.
        return SENDER_WITH_PERSONAL_DATA
    if not isinstance(text, str) or not text.strip():
        return "message must be non-empty text"
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG
    if not isinstance(metadata, dict):
        return "metadata must be a JSON object"
    if input_channel is not None and not isinstance(input_channel, str):
        return "input_channel must be text"
    return IncomingMessage(sender, text, metadata, input_channel)


class RestInput(RasaRestInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            incoming = read_message(request)
            if isinstance(incoming, str):
                return response.json({"error": incoming}, status=400)
            input_channel = incoming.input_channel or self.name()
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                stream = self.stream_response(
                    on_new_message, incoming.text, incoming.sender, input_channel, incoming.metadata
                )
                return response.stream(stream, content_type="text/event-stream")
            collector = CollectingOutputChannel()
            message = UserMessage(
                incoming.text,
                collector,
                incoming.sender,
                input_channel=input_channel,
                metadata=incoming.metadata,
            )
            await handle_or_apologise(
                request.app.ctx.agent, on_new_message, message, lambda: len(collector.messages)
            )
            return response.json(collector.messages)

        return webhook
