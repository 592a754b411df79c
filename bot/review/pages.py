"""Conversation review pages: the list, a transcript, review marks, intent corrections.

Roles: reviewers and admins. Handlers call residents back and do not read
whole conversations. Every transcript view is written to the audit log.
Admins delete a conversation from the end of its transcript
(bot/staff/conversation_deletion.py).
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.callbacks.models import CallbackRequest
from bot.db import session_scope, utcnow
from bot.feedback import feedback_for
from bot.review.context import off_loop, today, tracker_engine
from bot.review.export import nlu_yaml
from bot.review.intents import domain_intents
from bot.review.labels import decimal, need_codes, need_name, outcome_name
from bot.review.listing import ConversationFilter, filter_conversations, negative_conversations
from bot.review.models import MAX_NOTE_CHARS
from bot.review.period import Period
from bot.review.reviewing import (
    CorrectionError,
    all_corrections,
    correct_intent,
    corrections_of,
    parse_tags,
    remove_correction,
    review_states,
    save_review,
)
from bot.review.sources import load_conversation, load_conversations, load_feedback
from bot.review.transcripts import LANGUAGES, Conversation
from bot.staff.audit import record
from bot.staff.auth import ADMIN, HANDLER, REVIEWER, current_user, require_role
from bot.staff.context import render, staff_engine
from bot.staff.models import StaffUser

routes = web.RouteTableDef()
PER_PAGE = 50
CONVERSATION = r"{conversation_id:[^/]{1,255}}"
NOTICES = (
    "review_saved",
    "correction_saved",
    "correction_removed",
    # After an admin's deletion (bot/staff/conversation_deletion.py).
    "conversation_deleted",
    "conversation_already_deleted",
)
OUTCOME_CHOICES = (
    "emergency",
    "appointment",
    "callback",
    "third_sector",
    "self_service",
    "info",
    "none",
)


def conversation_path(conversation_id: str) -> str:
    return "/staff/conversations/" + quote(conversation_id, safe="")


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _notice(request: web.Request) -> str:
    saved = request.query.get("saved", "")
    return saved if saved in NOTICES else ""


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _usernames(db, user_ids: set[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = db.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(wanted)))
    return dict(rows.all())


def _helpers(language: str) -> dict:
    """Functions the templates use to name things in the page's language."""
    return {
        "need_name": lambda code: need_name(code, language),
        "outcome_name": lambda code: outcome_name(code, language),
        "decimal": decimal,
        "conversation_path": conversation_path,
    }


# --- the list --------------------------------------------------------------


@routes.get("/staff/conversations")
@require_role(REVIEWER, ADMIN)
async def conversation_list(request: web.Request) -> web.Response:
    period = Period.from_query(request.query, today(request))
    wanted = ConversationFilter.from_query(request.query)
    conversations = await off_loop(lambda: load_conversations(tracker_engine(request), period))
    ids = [c.id for c in conversations]
    feedback = load_feedback(staff_engine(request), ids)
    with session_scope(staff_engine(request)) as db:
        states = review_states(db, ids)
    listed = filter_conversations(conversations, states, negative_conversations(feedback), wanted)
    pages = max(1, math.ceil(len(listed) / PER_PAGE))
    page = min(_page_number(request.query.get("page", "1")), pages)
    query = {**period.as_query(), **wanted.as_query()}
    language = current_user(request).language
    return render(
        request,
        "staff/conversations.html",
        period=period,
        wanted=wanted,
        total=len(listed),
        listed=listed[(page - 1) * PER_PAGE : page * PER_PAGE],
        page=page,
        pages=pages,
        page_query=lambda number: urlencode({**query, "page": number}),
        needs=need_codes(),
        outcomes=OUTCOME_CHOICES,
        languages=LANGUAGES,
        notice=_notice(request),
        **_helpers(language),
    )


# --- one conversation ------------------------------------------------------


def _has_callback_request(db: Session, conversation_id: str) -> bool:
    query = select(CallbackRequest.id).where(CallbackRequest.conversation_id == conversation_id)
    return db.execute(query.limit(1)).first() is not None


async def _conversation_or_404(request: web.Request) -> Conversation:
    conversation_id = request.match_info["conversation_id"]
    conversation = await off_loop(
        lambda: load_conversation(tracker_engine(request), conversation_id)
    )
    if conversation is None:
        page = render(
            request, "staff/review_problem.html", message_key="conversation_not_found", back=""
        )
        raise web.HTTPNotFound(text=page.text, content_type="text/html")
    return conversation


@routes.get(f"/staff/conversations/{CONVERSATION}")
# Handlers read the conversation that led to a callback request (issue 5:
# "one click away"); only reviewers and admins change reviews. Every view is audited.
@require_role(HANDLER, REVIEWER, ADMIN)
async def transcript(request: web.Request) -> web.Response:
    user = current_user(request)
    engine = staff_engine(request)
    # A handler needs only the conversations behind the callback requests they
    # work on: nothing else, whatever id they type, and the same answer whether
    # that id exists or not.
    if user.role == HANDLER:
        with session_scope(engine) as db:
            allowed = _has_callback_request(db, request.match_info["conversation_id"])
        if not allowed:
            page = render(
                request, "staff/review_problem.html", message_key="handler_not_allowed", back=""
            )
            raise web.HTTPForbidden(text=page.text, content_type="text/html")
    conversation = await _conversation_or_404(request)
    with session_scope(engine) as db:
        record(db, user, "view", "conversation", conversation.id)
        state = review_states(db, [conversation.id]).get(conversation.id)
        corrections = corrections_of(db, conversation.id)
        names = _usernames(db, {state.reviewed_by if state else None})
    return render(
        request,
        "staff/transcript.html",
        conversation=conversation,
        state=state,
        reviewer=names.get(state.reviewed_by) if state and state.reviewed_by else "",
        corrections=corrections,
        intents=domain_intents(),
        feedback=feedback_for(engine, conversation.id),
        notice=_notice(request),
        max_note=MAX_NOTE_CHARS,
        **_helpers(user.language),
    )


@routes.post(f"/staff/conversations/{CONVERSATION}/review")
@require_role(REVIEWER, ADMIN)
async def review(request: web.Request) -> web.Response:
    conversation = await _conversation_or_404(request)
    form = await request.post()
    user = current_user(request)
    reviewed = form.get("reviewed") == "1"
    tags = parse_tags(str(form.get("tags", ""))[:2000])
    with session_scope(staff_engine(request)) as db:
        save_review(
            db, conversation.id, user.id, reviewed, tags, str(form.get("note", "")), utcnow()
        )
        record(db, user, "review", "conversation", conversation.id, f"reviewed={reviewed}")
    return _see_other(f"{conversation_path(conversation.id)}?saved=review_saved#review")


@routes.post(f"/staff/conversations/{CONVERSATION}/corrections")
@require_role(REVIEWER, ADMIN)
async def correct(request: web.Request) -> web.Response:
    conversation = await _conversation_or_404(request)
    form = await request.post()
    user = current_user(request)
    raw_event = str(form.get("event_id", ""))
    intent = str(form.get("intent", ""))[:255]
    with session_scope(staff_engine(request)) as db:
        try:
            if not raw_event.isdigit():
                raise CorrectionError("correction_unknown_message")
            correction = correct_intent(
                db, conversation, int(raw_event), intent, domain_intents(), user.id, utcnow()
            )
        except CorrectionError as error:
            db.rollback()
            return render(
                request,
                "staff/review_problem.html",
                400,
                message_key=error.key,
                back=conversation_path(conversation.id),
            )
        detail = f"event={correction.event_id} {correction.original_intent}->{intent}"
        record(db, user, "correct_intent", "conversation", conversation.id, detail)
    location = f"{conversation_path(conversation.id)}?saved=correction_saved"
    return _see_other(f"{location}#turn-{correction.event_id}")


# --- corrections and their export ------------------------------------------


@routes.get("/staff/corrections")
@require_role(REVIEWER, ADMIN)
async def corrections(request: web.Request) -> web.Response:
    with session_scope(staff_engine(request)) as db:
        # The page quotes residents' messages: a view like a transcript's.
        record(db, current_user(request), "view", "corrections", "all")
        found = all_corrections(db)
        names = _usernames(db, {c.corrected_by for c in found})
    return render(
        request,
        "staff/corrections.html",
        corrections=found,
        names=names,
        languages=LANGUAGES,
        notice=_notice(request),
        conversation_path=conversation_path,
    )


@routes.post(r"/staff/corrections/{correction_id:[0-9]{1,9}}/remove")
@require_role(REVIEWER, ADMIN)
async def remove(request: web.Request) -> web.Response:
    correction_id = int(request.match_info["correction_id"])
    with session_scope(staff_engine(request)) as db:
        removed = remove_correction(db, correction_id)
        if removed is not None:
            detail = f"event={removed.event_id} {removed.corrected_intent}"
            record(db, current_user(request), "remove_correction", "conversation",
                   removed.conversation_id, detail)  # fmt: skip
    return _see_other("/staff/corrections?saved=correction_removed")


@routes.get(r"/staff/corrections/nlu_{language:(fi|sv)}.yml")
@require_role(REVIEWER, ADMIN)
async def export_nlu(request: web.Request) -> web.Response:
    """Rasa NLU YAML of one language's corrections, for data/nlu_<language>/."""
    language = request.match_info["language"]
    with session_scope(staff_engine(request)) as db:
        found = all_corrections(db, language)
        record(db, current_user(request), "export", "intent_corrections", language,
               f"{len(found)} corrections")  # fmt: skip
    body = nlu_yaml(found, language, today(request))
    return web.Response(
        text=body,
        content_type="application/yaml",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="corrections_{language}.yml"'},
    )
