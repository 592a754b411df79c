"""``DELETE /api/conversations/{sender_id}``: a resident deletes their own conversation.

The proof of ownership is the sender id itself: the chat widget makes a
random session id of at least 32 characters (socket.io's session_request
gives 32 hex digits), keeps it in the browser only, and Rasa uses it as the
conversation's sender id. Only that browser knows it; shorter ids, which
could be guessed, are refused. Answers 200 {"deleted": true|false}.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.retention import delete_conversation
from bot.settings import Settings

log = logging.getLogger(__name__)

OWNER_ID = re.compile(r"[A-Za-z0-9_-]{32,128}")
SETTINGS_KEY = web.AppKey("conversation_deletion_settings", Settings)

routes = web.RouteTableDef()


@routes.delete("/api/conversations/{sender_id}")
async def delete_my_conversation(request: web.Request) -> web.Response:
    sender_id = request.match_info["sender_id"]
    if not OWNER_ID.fullmatch(sender_id):
        return web.json_response(
            {"error": "the conversation id must be the chat's own random id (32-128 characters)"},
            status=400,
        )
    try:
        deleted = await asyncio.to_thread(delete_conversation, request.app[SETTINGS_KEY], sender_id)
    except SQLAlchemyError:
        log.exception("Deleting a conversation failed")
        return web.json_response({"error": "please try again in a moment"}, status=503)
    return web.json_response({"deleted": deleted.conversations > 0})
