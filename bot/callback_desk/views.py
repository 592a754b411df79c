"""What the queue and the detail show: requests with unit names, usernames and
labels, as objects for the pages and as JSON for the API.

Times in JSON are ISO 8601 in Finnish time (Europe/Helsinki), e.g.
"2026-11-24T16:00:00+02:00".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.callbacks.models import OPEN_STATES, CallbackRequest
from bot.callbacks.service import QueueItem, format_phone
from bot.catalogue.models import Channel, Service
from bot.clock import FINLAND
from bot.staff.models import StaffUser
from bot.storedtime import from_stored
from bot.topics import topic_labels


@dataclass(frozen=True)
class UnitName:
    id: str
    fi: str
    sv: str

    def name(self, language: str) -> str:
        return (self.sv if language == "sv" else self.fi) or self.fi or self.id


@dataclass(frozen=True)
class QueueRow:
    item: QueueItem
    unit: UnitName | None
    claimed_by: str | None  # the handler's username


@dataclass(frozen=True)
class EventRow:
    at: datetime
    actor: str  # "resident", "system" or a staff user's id
    actor_username: str | None
    action: str
    note: str


@dataclass(frozen=True)
class CallbackDetail:
    request: CallbackRequest
    unit: UnitName | None
    claimed_by: str | None
    created_at: datetime
    due_from: datetime
    promised_by: datetime
    next_try_at: datetime | None
    closed_at: datetime | None
    due_at: datetime
    overdue: bool
    events: list[EventRow]

    @property
    def phone_display(self) -> str:
        return format_phone(self.request.phone)


def need_label(code: str, language: str) -> str:
    """The need's topic label (bot/content/topics.yml); an unknown code as it is."""
    return topic_labels().get(f"need_{code}", {}).get(language, code)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(FINLAND).isoformat(timespec="seconds") if moment else None


def finnish_time(moment: datetime | None) -> str:
    """24.11.2026 16.00: how both Finnish and Finland-Swedish write a time."""
    return moment.astimezone(FINLAND).strftime("%d.%m.%Y %H.%M") if moment else ""


def unit_names(session: Session, ids: Iterable[str | None]) -> dict[str, UnitName]:
    """Names of units by channel id, or by service id when a request has no channel."""
    wanted = {unit_id for unit_id in ids if unit_id}
    if not wanted:
        return {}
    names = {
        row.id: UnitName(row.id, row.name_fi, row.name_sv)
        for row in session.execute(
            select(Channel.id, Channel.name_fi, Channel.name_sv).where(Channel.id.in_(wanted))
        )
    }
    services = wanted - names.keys()
    if services:
        rows = session.execute(
            select(Service.id, Service.name_fi, Service.name_sv).where(Service.id.in_(services))
        )
        names.update({row.id: UnitName(row.id, row.name_fi, row.name_sv) for row in rows})
    return names


def usernames(session: Session, actors: Iterable[str | None]) -> dict[str, str]:
    """Staff usernames by the ids the callback service records as actors."""
    ids = {int(actor) for actor in actors if actor and actor.isdigit() and len(actor) < 10}
    if not ids:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(ids)))
    return {str(user_id): username for user_id, username in rows}


def queue_rows(session: Session, items: list[QueueItem]) -> list[QueueRow]:
    units = unit_names(session, (item.channel_id or item.service_id for item in items))
    users = usernames(session, (item.claimed_by for item in items))
    return [
        QueueRow(
            item,
            units.get(item.channel_id or item.service_id or ""),
            users.get(item.claimed_by or "", item.claimed_by),
        )
        for item in items
    ]


def callback_detail(session: Session, request_id: int, now: datetime) -> CallbackDetail | None:
    request = session.get(CallbackRequest, request_id)
    if request is None:
        return None
    unit_id = request.channel_id or request.service_id
    users = usernames(session, [request.claimed_by, *(e.actor for e in request.events)])
    # The same rule as the service's queue: an agreed next try replaces the promise.
    due_at = from_stored(request.next_try_at or request.due_at)
    return CallbackDetail(
        request=request,
        unit=unit_names(session, [unit_id]).get(unit_id or ""),
        claimed_by=users.get(request.claimed_by or "", request.claimed_by),
        created_at=from_stored(request.created_at),
        due_from=from_stored(request.due_from),
        promised_by=from_stored(request.due_at),
        next_try_at=from_stored(request.next_try_at),
        closed_at=from_stored(request.closed_at),
        due_at=due_at,
        overdue=request.state in OPEN_STATES and due_at < now,
        events=[
            EventRow(from_stored(e.at), e.actor, users.get(e.actor), e.action, e.note)
            for e in request.events
        ],
    )


def _unit_json(unit: UnitName | None) -> dict | None:
    return {"id": unit.id, "name_fi": unit.fi, "name_sv": unit.sv} if unit else None


def queue_row_json(row: QueueRow, language: str) -> dict:
    """A queue entry: what is needed to pick the next call, no phone or words."""
    item = row.item
    return {
        "id": item.id,
        "reference": item.reference,
        "state": item.state,
        "urgent": item.urgent,
        "overdue": item.overdue,
        "due_at": iso(item.due_at),
        "promised_by": iso(item.promised_by),
        "created_at": iso(item.created_at),
        "need": item.need,
        "need_label": need_label(item.need, language),
        "call_language": item.call_language,
        "preferred_time": item.preferred_time,
        "attempts": item.attempts,
        "claimed_by": row.claimed_by,
        "unit": _unit_json(row.unit),
    }


def step_result_json(request: CallbackRequest) -> dict:
    """After a step: the new state, without the resident's details (those are viewed, and
    audited, with GET)."""
    return {
        "id": request.id,
        "reference": request.reference,
        "state": request.state,
        "attempts": request.attempts,
        "next_try_at": iso(from_stored(request.next_try_at)),
        "closed_at": iso(from_stored(request.closed_at)),
    }


def detail_json(detail: CallbackDetail, language: str) -> dict:
    request = detail.request
    return {
        "id": request.id,
        "reference": request.reference,
        "state": request.state,
        "urgent": request.urgent,
        "overdue": detail.overdue,
        "due_at": iso(detail.due_at),
        "due_from": iso(detail.due_from),
        "promised_by": iso(detail.promised_by),
        "next_try_at": iso(detail.next_try_at),
        "created_at": iso(detail.created_at),
        "closed_at": iso(detail.closed_at),
        "need": request.need,
        "need_label": need_label(request.need, language),
        "topic": request.topic,
        "name": request.name,
        "phone": request.phone,
        "call_language": request.call_language,
        "preferred_time": request.preferred_time,
        "attempts": request.attempts,
        "claimed_by": detail.claimed_by,
        "conversation_id": request.conversation_id,
        "unit": _unit_json(detail.unit),
        "events": [
            {
                "at": iso(event.at),
                "actor": event.actor_username or event.actor,
                "action": event.action,
                "note": event.note,
            }
            for event in detail.events
        ],
    }


def queue_units(session: Session, language: str) -> list[UnitName]:
    """The units that have callback requests, by name: the choices of the unit filter."""
    ids = session.execute(
        select(CallbackRequest.channel_id, CallbackRequest.service_id).distinct()
    ).all()
    names = unit_names(session, (channel or service for channel, service in ids))
    return sorted(names.values(), key=lambda unit: unit.name(language).casefold())
