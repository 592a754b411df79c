"""``POST /staff/conversations/{id}/delete``: an admin deletes a conversation.

For a resident who asks by phone or e-mail. Admins only; the staff middleware
checks the CSRF token; the deletion and what it removed go to the audit log.
The conversation's callback requests stay (bot/retention.py).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.db import session_scope
from bot.retention import delete_conversation
from bot.staff.audit import record
from bot.staff.auth import ADMIN, current_user, require_role
from bot.staff.context import staff_engine
from bot.web.conversation_deletion import SETTINGS_KEY

routes = web.RouteTableDef()
CONVERSATION = r"{conversation_id:[^/]{1,255}}"


@routes.post(f"/staff/conversations/{CONVERSATION}/delete")
@require_role(ADMIN)
async def delete_conversation_as_admin(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    deleted = await asyncio.to_thread(
        delete_conversation, request.app[SETTINGS_KEY], conversation_id
    )
    with session_scope(staff_engine(request)) as db:
        record(
            db,
            current_user(request),
            "delete",
            "conversation",
            conversation_id,
            detail=deleted.summary(),
        )
    return web.Response(status=303, headers={"Location": "/staff/conversations?deleted=1"})
