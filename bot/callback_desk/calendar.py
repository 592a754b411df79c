"""Appointments per unit and day: every time of the unit's calendar, free or booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from bot.appointments.models import ACTIVE, Booking, Slot
from bot.catalogue.models import Channel, Municipality
from bot.clock import FINLAND
from bot.storedtime import from_stored, to_stored


@dataclass(frozen=True)
class CalendarUnit:
    id: str
    name_fi: str
    name_sv: str
    town_fi: str
    town_sv: str

    def label(self, language: str) -> str:
        name = (self.name_sv if language == "sv" else self.name_fi) or self.name_fi or self.id
        town = self.town_sv if language == "sv" else self.town_fi
        return f"{name} ({town})" if town and town not in name else name


@dataclass(frozen=True)
class SlotLine:
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    appointment_type: str
    languages: tuple[str, ...]
    booking_reference: str | None
    booking_language: str | None
    booking_need: str | None

    @property
    def booked(self) -> bool:
        return self.booking_reference is not None


def calendar_units(session: Session, language: str) -> list[CalendarUnit]:
    """Units with appointment times, by name."""
    rows = session.execute(
        select(Channel.id, Channel.name_fi, Channel.name_sv, Municipality)
        .outerjoin(Municipality, Channel.municipality_code == Municipality.code)
        .where(exists().where(Slot.channel_id == Channel.id))
    ).all()
    units = [
        CalendarUnit(
            unit_id,
            name_fi,
            name_sv,
            town.name("fi") if town else "",
            town.name("sv") if town else "",
        )
        for unit_id, name_fi, name_sv, town in rows
    ]
    return sorted(units, key=lambda unit: unit.label(language).casefold())


def day_slots(session: Session, unit_id: str, day: date) -> list[SlotLine]:
    """The unit's times on the Finnish calendar day, with their active bookings."""
    start = to_stored(datetime.combine(day, time.min, tzinfo=FINLAND))
    end = to_stored(datetime.combine(day + timedelta(days=1), time.min, tzinfo=FINLAND))
    rows = session.execute(
        select(Slot, Booking)
        .outerjoin(Booking, and_(Booking.slot_id == Slot.id, Booking.state == ACTIVE))
        .where(Slot.channel_id == unit_id, Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at, Slot.appointment_type, Slot.id)
    ).all()
    return [
        SlotLine(
            slot_id=slot.id,
            starts_at=from_stored(slot.starts_at),
            ends_at=from_stored(slot.ends_at),
            appointment_type=slot.appointment_type,
            languages=tuple(slot.languages or ()),
            booking_reference=booking.reference if booking else None,
            booking_language=booking.language if booking else None,
            booking_need=booking.need if booking else None,
        )
        for slot, booking in rows
    ]
