"""A handler's step on a callback request, with its audit entry.

The callback service decides whether the step is allowed (state, who has
claimed it) and records it in the request's own history; this adds the
portal-wide audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.callbacks.models import CallbackRequest
from bot.callbacks.service import (
    InvalidTransition,
    cancel_callback,
    claim,
    complete,
    record_no_answer,
    release,
)
from bot.staff.audit import record
from bot.staff.sessions import StaffIdentity
from bot.storedtime import to_stored

AUDIT_OBJECT = "callback_request"
# What each step takes besides the request: a note, the time of the next try.
FIELDS = {
    "claim": (),
    "complete": ("note",),
    "no-answer": ("note", "next_try_at"),
    "release": ("note",),
    "cancel": (),
}
STEPS = tuple(FIELDS)


def offered_steps(request: CallbackRequest, user_id: int) -> tuple[str, ...]:
    """The buttons to show; the service still decides (two handlers may click at once)."""
    if request.state in ("new", "no_answer"):
        return ("claim", "complete", "no-answer", "cancel")
    if request.state == "claimed" and request.claimed_by == str(user_id):
        return ("complete", "no-answer", "release", "cancel")
    if request.state == "claimed":
        return ("cancel",)
    return ()


class CallbackNotFound(LookupError):
    pass


@dataclass(frozen=True)
class StepInput:
    note: str = ""
    next_try_at: datetime | None = None


def _cancel(session: Session, request: CallbackRequest, user: StaffIdentity, _, now):
    state = request.state
    if cancel_callback(session, request.reference, None, now, actor=str(user.id)) is None:
        raise InvalidTransition(f"callback request {request.reference} is {state}: cannot cancel")


_SERVICE: dict[str, Callable] = {
    "claim": lambda s, r, u, _, now: claim(s, r.id, u.id, now),
    "complete": lambda s, r, u, given, now: complete(s, r.id, u.id, given.note, now),
    "no-answer": lambda s, r, u, given, now: record_no_answer(
        s, r.id, u.id, given.note, given.next_try_at, now
    ),
    "release": lambda s, r, u, given, now: release(s, r.id, u.id, given.note, now),
    "cancel": _cancel,
}


def take_step(
    session: Session,
    user: StaffIdentity,
    request_id: int,
    step: str,
    given: StepInput,
    now: datetime,
) -> None:
    """Raises CallbackNotFound, or InvalidTransition when the state does not allow the step."""
    request = session.get(CallbackRequest, request_id)
    if request is None:
        raise CallbackNotFound(f"no callback request {request_id}")
    _SERVICE[step](session, request, user, given, now)
    # The note stays in the request's history; the audit log says only what was done.
    detail = f"next_try_at={to_stored(given.next_try_at).isoformat()}Z" if given.next_try_at else ""
    record(session, user, step, AUDIT_OBJECT, request_id, detail)
