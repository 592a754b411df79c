"""``POST /staff/conversations/{id}/delete``: an admin deletes a conversation.

For a resident who asks by phone or e-mail. The form is at the end of the
transcript page (admins only); it needs the ticked box ``confirm=1``, so the
confirmation works without JavaScript, and a form sent without it gets a page
that asks again. The staff middleware checks the CSRF token and the role.

The deletion (bot/retention.py) and its audit entry are one unit: the entry,
with the counts of what was removed, is written in the deletion's own
transaction, and a database error deletes nothing and answers with a polite
page (503), never a 500. The conversation's callback requests stay.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.retention import Deleted, delete_conversation
from bot.review.pages import conversation_path
from bot.staff.audit import record
from bot.staff.auth import ADMIN, current_user, require_role
from bot.staff.context import render
from bot.web.conversation_deletion import SETTINGS_KEY

log = logging.getLogger(__name__)

routes = web.RouteTableDef()
CONVERSATION = r"{conversation_id:[^/]{1,255}}"
CONFIRM_FIELD = "confirm"


async def _confirmed(request: web.Request) -> bool:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    form = await request.post()
    return form.get(CONFIRM_FIELD) == "1"


@routes.post(f"/staff/conversations/{CONVERSATION}/delete")
@require_role(ADMIN)
async def delete_conversation_as_admin(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    if not await _confirmed(request):
        return render(
            request,
            "staff/conversation_delete.html",
            400,
            conversation_id=conversation_id,
            conversation_path=conversation_path,
        )
    user = current_user(request)

    def audit(session: Session, deleted: Deleted) -> None:
        record(session, user, "delete", "conversation", conversation_id, deleted.summary())

    try:
        deleted = await asyncio.to_thread(
            delete_conversation, request.app[SETTINGS_KEY], conversation_id, audit
        )
    except SQLAlchemyError:
        log.exception("An admin's deletion of a conversation failed")
        return render(
            request,
            "staff/review_problem.html",
            503,
            message_key="conversation_delete_failed",
            back=conversation_path(conversation_id),
        )
    notice = "conversation_deleted" if deleted.conversations else "conversation_already_deleted"
    return web.Response(status=303, headers={"Location": f"/staff/conversations?saved={notice}"})
