"""Demo appointment times for the demo units, so that booking can be tried.

Realistic on purpose: working days only, within the unit's opening hours,
a lunch break, 20- or 30-minute appointments, and part of the times already
taken (more of them in the first days, as in real life), so the earliest
free time is rarely the first of the day. In bilingual municipalities some
days' professionals also speak Swedish.

Deterministic (random numbers seeded by unit and day) and idempotent: a
time that exists is never added again, so running it on every start tops
the calendar up to `weeks` ahead.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.appointments.models import ACTIVE, Booking, Slot
from bot.callbacks.references import new_reference
from bot.catalogue.models import Channel, Service, service_channels
from bot.clock import FINLAND
from bot.db import utcnow
from bot.schedule import OpeningHours, is_working_day
from bot.storedtime import to_stored

DEFAULT_SEED = 2026
LUNCH = (time(11, 30), time(12, 0))
LENGTHS_MINUTES = (20, 30)
PREBOOKED_CONVERSATION = "demo-prebooked"
# Official language status (Valtioneuvoston asetus 2022 for 2023-2032) of the
# demo area's municipalities; the rest of the demo area is Finnish-speaking.
BILINGUAL = set("049 078 149 235 257 407 434 444 504 638 710 753 755".split())
SWEDISH_MAJORITY = {"149", "710"}
# Share of days when the professional also speaks Swedish.
SWEDISH_SHARE = {"majority": 0.8, "bilingual": 0.4, "county": 0.5, "finnish": 0.0}
# Who receives, by the service's needs (first match wins).
APPOINTMENT_TYPES = (
    ("oral_health", "dentist"),
    ("urgent_care", "nurse"),
    ("health_nonurgent", "nurse"),
    ("family_services", "public_health_nurse"),
    ("mental_health", "mental_health_nurse"),
    ("memory_concern", "memory_nurse"),
    ("rehabilitation", "physiotherapist"),
    ("employment", "employment_advisor"),
    ("immigrant_services", "service_advisor"),
)


def appointment_type(service: Service) -> str:
    needs = set(service.need_codes)
    return next((kind for need, kind in APPOINTMENT_TYPES if need in needs), "counsellor")


def _swedish_share(channel: Channel) -> float:
    code = channel.municipality_code
    if code is None:
        return SWEDISH_SHARE["county"]
    if code in SWEDISH_MAJORITY:
        return SWEDISH_SHARE["majority"]
    return SWEDISH_SHARE["bilingual" if code in BILINGUAL else "finnish"]


def _taken_share(day: date, start: date) -> float:
    """The first week is mostly booked, later weeks less."""
    week = (day - start).days // 7
    return max(0.15, 0.6 - 0.15 * week)


def _day_times(opening: list[tuple[time, time]], minutes: int, day: date):
    """(start, end) pairs, aware, filling the opening hours around lunch."""
    length = timedelta(minutes=minutes)
    lunch_start, lunch_end = (datetime.combine(day, t, tzinfo=FINLAND) for t in LUNCH)
    for opens, closes in opening:
        moment = datetime.combine(day, opens, tzinfo=FINLAND)
        end_of_day = datetime.combine(day, closes, tzinfo=FINLAND)
        while moment + length <= end_of_day:
            if moment < lunch_end and moment + length > lunch_start:
                moment = lunch_end
                continue
            yield moment, moment + length
            moment += length


def _appointment_units(session: Session) -> list[tuple[Service, Channel]]:
    return session.execute(
        select(Service, Channel)
        .join(service_channels, service_channels.c.service_id == Service.id)
        .join(Channel, Channel.id == service_channels.c.channel_id)
        .where(Channel.takes_appointments, Channel.demo, Service.demo)
        .order_by(Channel.id, Service.id)
    ).all()


def generate_demo_slots(
    session: Session, start: date, weeks: int = 4, seed: int = DEFAULT_SEED
) -> int:
    """Adds the missing demo times from start for `weeks` weeks; returns how many were added."""
    days = [start + timedelta(days=n) for n in range(7 * weeks)]
    first = to_stored(datetime.combine(start, time.min, tzinfo=FINLAND))
    last = to_stored(datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=FINLAND))
    existing = set(
        session.execute(
            select(Slot.channel_id, Slot.appointment_type, Slot.starts_at).where(
                Slot.starts_at >= first, Slot.starts_at < last
            )
        ).all()
    )
    new_slots: list[dict] = []
    taken: set[tuple] = set()
    for service, channel in _appointment_units(session):
        kind = appointment_type(service)
        hours = OpeningHours(channel.hours or [], channel.hours_exceptions or [])
        minutes = random.Random(f"{seed}:{channel.id}").choice(LENGTHS_MINUTES)
        extra = [lang for lang in service.languages or [] if lang not in ("fi", "sv")]
        for day in days:
            if not is_working_day(day):
                continue
            dice = random.Random(f"{seed}:{channel.id}:{day.isoformat()}")
            swedish = dice.random() < _swedish_share(channel)
            languages = ["fi", *(["sv"] if swedish else []), *extra]
            for starts, ends in _day_times(hours.on(day), minutes, day):
                key = (channel.id, kind, to_stored(starts))
                is_taken = dice.random() < _taken_share(day, start)
                if key in existing:
                    continue
                new_slots.append(
                    {
                        "service_id": service.id,
                        "channel_id": channel.id,
                        "appointment_type": kind,
                        "starts_at": key[2],
                        "ends_at": to_stored(ends),
                        "languages": languages,
                    }
                )
                if is_taken:
                    taken.add(key)
    if not new_slots:
        return 0
    session.execute(insert(Slot), new_slots)
    _book_taken(session, taken, first, last)
    return len(new_slots)


def _unused_references(session: Session, count: int) -> list[str]:
    """count distinct codes not in use: thousands of random codes would clash now and then."""
    used = set(session.execute(select(Booking.reference)).scalars())
    fresh: set[str] = set()
    while len(fresh) < count:
        code = new_reference()
        if code not in used:
            fresh.add(code)
    return list(fresh)


def _book_taken(session: Session, taken: set[tuple], first: datetime, last: datetime) -> None:
    """Bookings for the times generated as already taken."""
    rows = session.execute(
        select(Slot.id, Slot.channel_id, Slot.appointment_type, Slot.starts_at).where(
            Slot.starts_at >= first, Slot.starts_at < last
        )
    ).all()
    taken_ids = [slot_id for slot_id, *key in rows if tuple(key) in taken]
    now = utcnow()
    bookings = [
        {
            "reference": reference,
            "slot_id": slot_id,
            "conversation_id": PREBOOKED_CONVERSATION,
            "need": "",
            "language": "fi",
            "state": ACTIVE,
            "created_at": now,
        }
        for slot_id, reference in zip(
            taken_ids, _unused_references(session, len(taken_ids)), strict=True
        )
    ]
    if bookings:
        session.execute(insert(Booking), bookings)
