"""Taking, cancelling and handling callback requests.

Every function takes the session it works in (the caller commits) and,
for testability, the current time `now` (aware; default: bot.clock.now()).
Staff steps are conditional UPDATEs: the database decides who wins when
two handlers act on one request at the same moment.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock
from bot.callbacks.models import (
    CALL_LANGUAGES,
    MAX_NAME_CHARS,
    MAX_TOPIC_CHARS,
    OPEN_STATES,
    PREFERRED_TIMES,
    CallbackEvent,
    CallbackRequest,
)
from bot.callbacks.phones import format_phone, parse_phone
from bot.callbacks.references import new_reference, normalise_reference
from bot.callbacks.transactions import run_writing
from bot.callbacks.wording import expected_time_text
from bot.catalogue.models import Channel
from bot.schedule import DEFAULT_OFFICE_HOURS, callback_target_for, expected_callback_time
from bot.storedtime import from_stored, to_stored

__all__ = [
    "CallbackDraft",
    "InvalidTransition",
    "QueueItem",
    "callback_queue",
    "cancel_callback",
    "claim",
    "complete",
    "expected_time_text",
    "find_callback",
    "format_phone",
    "parse_phone",
    "record_no_answer",
    "release",
    "submit_callback",
]

# Drawing a reference that is already in use is a one-in-a-billion event;
# a few new draws settle it.
REFERENCE_DRAWS = 5


class InvalidTransition(Exception):
    """The request is not in a state where this step is allowed (or is someone else's)."""


@dataclass(frozen=True)
class CallbackDraft:
    conversation_id: str
    need: str
    topic: str
    phone: str
    name: str | None
    call_language: str
    preferred_time: str
    urgent: bool
    service_id: str | None
    channel_id: str | None
    consent: bool


@dataclass(frozen=True)
class QueueItem:
    id: int
    reference: str
    state: str
    urgent: bool
    need: str
    topic: str
    phone: str
    name: str | None
    call_language: str
    preferred_time: str
    service_id: str | None
    channel_id: str | None
    created_at: datetime
    # When to call: the promised time, or the agreed next try after no answer.
    due_at: datetime
    promised_by: datetime
    attempts: int
    claimed_by: str | None
    overdue: bool


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _checked(draft: CallbackDraft) -> CallbackDraft:
    """The draft with its phone in E.164 and its texts within the columns; ValueError if bad."""
    if not draft.consent:
        raise ValueError("a callback request needs the resident's consent")
    phone = parse_phone(draft.phone or "")
    if phone is None:
        raise ValueError("not a valid phone number")
    if draft.call_language not in CALL_LANGUAGES:
        raise ValueError(f"call language must be one of {CALL_LANGUAGES}")
    if draft.preferred_time not in PREFERRED_TIMES:
        raise ValueError(f"preferred time must be one of {PREFERRED_TIMES}")
    if not draft.conversation_id or not draft.need:
        raise ValueError("a callback request needs a conversation id and a need")
    return CallbackDraft(
        conversation_id=draft.conversation_id,
        need=draft.need,
        topic=(draft.topic or "")[:MAX_TOPIC_CHARS],
        phone=phone,
        name=_one_line(draft.name)[:MAX_NAME_CHARS] or None,
        call_language=draft.call_language,
        preferred_time=draft.preferred_time,
        urgent=bool(draft.urgent),
        service_id=draft.service_id,
        channel_id=draft.channel_id,
        consent=True,
    )


def idempotency_key(draft: CallbackDraft) -> str:
    """Same conversation, same content (ignoring case and spacing) -> same key."""
    content = [
        draft.conversation_id,
        draft.need,
        _one_line(draft.topic).casefold(),
        draft.phone,
        _one_line(draft.name).casefold(),
        draft.call_language,
        draft.preferred_time,
        draft.urgent,
        draft.service_id,
        draft.channel_id,
    ]
    return hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()


def _open_by_key(session: Session, key: str) -> CallbackRequest | None:
    """The open request with this content; a cancelled or handled one does not count."""
    return session.execute(
        select(CallbackRequest).where(
            CallbackRequest.idempotency_key == key, CallbackRequest.state.in_(OPEN_STATES)
        )
    ).scalar_one_or_none()


def _new_request(session: Session, draft: CallbackDraft, key: str, now: datetime):
    channel = session.get(Channel, draft.channel_id) if draft.channel_id else None
    promise = expected_callback_time(
        now,
        urgent=draft.urgent,
        hours=channel.hours if channel else DEFAULT_OFFICE_HOURS,
        exceptions=channel.hours_exceptions if channel else [],
        target_working_days=0 if draft.urgent else callback_target_for(draft.need),
        always_open=bool(channel and channel.always_open),
        preferred=draft.preferred_time,
    )
    stored_now = to_stored(now)
    request = CallbackRequest(
        reference=new_reference(),
        idempotency_key=key,
        conversation_id=draft.conversation_id,
        need=draft.need,
        topic=draft.topic,
        phone=draft.phone,
        name=draft.name,
        call_language=draft.call_language,
        preferred_time=draft.preferred_time,
        urgent=draft.urgent,
        service_id=draft.service_id,
        channel_id=draft.channel_id,
        consent_at=stored_now,
        created_at=stored_now,
        due_from=to_stored(promise.earliest),
        due_at=to_stored(promise.latest),
        promise_kind=promise.kind,
        state="new",
        attempts=0,
    )
    request.events.append(CallbackEvent(at=stored_now, actor="resident", action="submitted"))
    return request


def _submit_once(
    session: Session, draft: CallbackDraft, key: str, now: datetime
) -> tuple[CallbackRequest, bool]:
    for _ in range(REFERENCE_DRAWS):
        existing = _open_by_key(session, key)
        if existing is not None:
            return existing, False
        request = _new_request(session, draft, key, now)
        try:
            # A savepoint, so that losing the race undoes only this insert.
            with session.begin_nested():
                session.add(request)
        except IntegrityError:
            # Either the same request won the race (found above on the next
            # round) or the reference was taken (a new one is drawn).
            continue
        return request, True
    raise RuntimeError("could not store the callback request")


def submit_callback(
    session: Session, draft: CallbackDraft, now: datetime | None = None
) -> tuple[CallbackRequest, bool]:
    """Stores the request once: (request, True) when new, (the open one, False) if not.

    Only an open request (new, claimed, no answer) stands for the same
    request sent again; after a cancel or a handled call a new one is made.

    Raises ValueError without consent or with an invalid phone number,
    language or preferred time.
    """
    checked = _checked(draft)
    key = idempotency_key(checked)
    moment = now or clock.now()
    return run_writing(session, lambda: _submit_once(session, checked, key, moment))


def find_callback(session: Session, reference: str) -> CallbackRequest | None:
    return session.execute(
        select(CallbackRequest).where(CallbackRequest.reference == normalise_reference(reference))
    ).scalar_one_or_none()


def _record(session: Session, request_id: int, actor: str, action: str, note: str, now) -> None:
    session.add(
        CallbackEvent(
            request_id=request_id, at=to_stored(now), actor=actor, action=action, note=note or ""
        )
    )
    session.flush()


def cancel_callback(
    session: Session,
    reference: str,
    conversation_id: str | None,
    now: datetime | None = None,
    actor: str = "resident",
) -> CallbackRequest | None:
    """Cancels an open request; a resident only their own (conversation_id given).

    With conversation_id None (staff, or a resident who has the reference)
    the reference is enough. None when there is nothing to cancel.
    """
    moment = now or clock.now()
    code = normalise_reference(reference)

    def work() -> CallbackRequest | None:
        conditions = [CallbackRequest.reference == code, CallbackRequest.state.in_(OPEN_STATES)]
        if conversation_id is not None:
            conditions.append(CallbackRequest.conversation_id == conversation_id)
        result = session.execute(
            update(CallbackRequest)
            .where(*conditions)
            .values(state="cancelled", closed_at=to_stored(moment), claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        request = session.execute(
            select(CallbackRequest)
            .where(CallbackRequest.reference == code)
            .execution_options(populate_existing=True)
        ).scalar_one()
        _record(session, request.id, str(actor), "cancelled", "", moment)
        return request

    return run_writing(session, work)


def _may_handle(user: str):
    """Open and unclaimed, or claimed by this very user."""
    return or_(
        CallbackRequest.state.in_(("new", "no_answer")),
        (CallbackRequest.state == "claimed") & (CallbackRequest.claimed_by == user),
    )


def _step(
    session: Session,
    request_id: int,
    user: str | int,
    allowed,
    values: dict,
    action: str,
    note: str,
    now: datetime | None,
) -> CallbackRequest:
    moment = now or clock.now()
    actor = str(user)

    def work() -> CallbackRequest:
        result = session.execute(
            update(CallbackRequest)
            .where(CallbackRequest.id == request_id, allowed(actor))
            .values(**values(actor, moment))
            .execution_options(synchronize_session=False)
        )
        request = session.get(CallbackRequest, request_id, populate_existing=True)
        if request is None:
            raise InvalidTransition(f"no callback request {request_id}")
        if result.rowcount != 1:
            owner = f" by {request.claimed_by}" if request.claimed_by else ""
            raise InvalidTransition(
                f"callback request {request.reference} is {request.state}{owner}: cannot {action}"
            )
        _record(session, request_id, actor, action, note, moment)
        return request

    return run_writing(session, work)


def claim(
    session: Session, request_id: int, user: str | int, now: datetime | None = None
) -> CallbackRequest:
    """The handler takes the request; fails if it is closed or someone else's."""
    return _step(
        session,
        request_id,
        user,
        _may_handle,
        lambda actor, _: {"state": "claimed", "claimed_by": actor},
        "claimed",
        "",
        now,
    )


def complete(
    session: Session, request_id: int, user: str | int, note: str = "", now=None
) -> CallbackRequest:
    """The call was made and the matter handled."""
    return _step(
        session,
        request_id,
        user,
        _may_handle,
        lambda actor, moment: {
            "state": "done",
            "claimed_by": actor,
            "closed_at": to_stored(moment),
        },
        "completed",
        note,
        now,
    )


def record_no_answer(
    session: Session,
    request_id: int,
    user: str | int,
    note: str = "",
    next_try_at: datetime | None = None,
    now: datetime | None = None,
) -> CallbackRequest:
    """The resident did not answer: back in the queue, due again at next_try_at."""
    return _step(
        session,
        request_id,
        user,
        _may_handle,
        lambda actor, moment: {
            "state": "no_answer",
            "claimed_by": None,
            "attempts": CallbackRequest.attempts + 1,
            "next_try_at": to_stored(next_try_at) if next_try_at else None,
        },
        "no_answer",
        note,
        now,
    )


def release(
    session: Session, request_id: int, user: str | int, note: str = "", now=None
) -> CallbackRequest:
    """The handler gives a claimed request back to the queue, unhandled."""
    return _step(
        session,
        request_id,
        user,
        lambda actor: (CallbackRequest.state == "claimed") & (CallbackRequest.claimed_by == actor),
        lambda actor, moment: {
            "state": case((CallbackRequest.attempts > 0, "no_answer"), else_="new"),
            "claimed_by": None,
        },
        "released",
        note,
        now,
    )


def callback_queue(
    session: Session,
    now: datetime | None = None,
    unit: str | None = None,
    urgency: bool | None = None,
    language: str | None = None,
    states: tuple[str, ...] = OPEN_STATES,
) -> list[QueueItem]:
    """Requests to handle, soonest due first, urgent first on ties.

    unit: a channel id (the unit's callback channel) or a service id.
    urgency: True only urgent, False only non-urgent, None both.
    """
    moment = to_stored(now or clock.now())
    due = func.coalesce(CallbackRequest.next_try_at, CallbackRequest.due_at)
    query = select(CallbackRequest, due).where(CallbackRequest.state.in_(states))
    if unit is not None:
        query = query.where(
            or_(CallbackRequest.channel_id == unit, CallbackRequest.service_id == unit)
        )
    if urgency is not None:
        query = query.where(CallbackRequest.urgent == urgency)
    if language is not None:
        query = query.where(CallbackRequest.call_language == language)
    query = query.order_by(due, CallbackRequest.urgent.desc(), CallbackRequest.id)
    return [
        QueueItem(
            id=r.id,
            reference=r.reference,
            state=r.state,
            urgent=r.urgent,
            need=r.need,
            topic=r.topic,
            phone=r.phone,
            name=r.name,
            call_language=r.call_language,
            preferred_time=r.preferred_time,
            service_id=r.service_id,
            channel_id=r.channel_id,
            created_at=from_stored(r.created_at),
            due_at=from_stored(due_at),
            promised_by=from_stored(r.due_at),
            attempts=r.attempts,
            claimed_by=r.claimed_by,
            overdue=r.state in OPEN_STATES and due_at < moment,
        )
        for r, due_at in session.execute(query).all()
    ]
