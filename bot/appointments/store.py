"""Where free times come from and bookings go: the SlotStore interface.

A real booking system replaces the built-in store by implementing SlotStore
and naming its factory in NEUVO_SLOT_STORE ("package.module:factory", called
with no arguments in the action server); the chat actions only see this
interface. An adapter that cannot reach its system raises
SlotStoreUnavailable, and the resident gets an apology with a number to
call. All times are timezone-aware; slot ids may arrive as text from a
button payload.

The built-in SqlSlotStore keeps slots and bookings in the application
database and relies on its unique index (bot/appointments/models.py) to
refuse a second booking of a slot. Every write transaction starts with its
write, so that SQLite takes its write lock (waiting its turn) before reading.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import exists, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock
from bot.appointments.models import ACTIVE, Booking, Slot
from bot.callbacks.references import new_reference, normalise_reference
from bot.catalogue.models import Channel, Municipality, Service, ServiceNeed, service_areas
from bot.db import default_engine, session_scope
from bot.schedule import horizon_end, target_for
from bot.storedtime import from_stored, to_stored

LANGUAGES = ("fi", "sv")
# Candidates read per search; a month of one municipality's times fits well within.
MAX_CANDIDATES = 2000
REFERENCE_DRAWS = 5
MAX_MOVES_FOLLOWED = 50


@dataclass(frozen=True)
class SlotOffer:
    """A free time, with what a resident needs to know about where it is."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    service_id: str
    unit_name_fi: str
    unit_name_sv: str
    # Empty when the catalogue has no street address: none is ever made up.
    address_fi: str
    address_sv: str
    languages: tuple[str, ...]
    demo: bool

    def unit_name(self, language: str) -> str:
        return self.unit_name_sv if language == "sv" else self.unit_name_fi

    def address(self, language: str) -> str:
        return self.address_sv if language == "sv" else self.address_fi


@dataclass(frozen=True)
class BookingRecord:
    """A booking as the store reports it (the same for any booking system)."""

    reference: str
    state: str
    conversation_id: str
    need: str
    language: str
    created_at: datetime
    offer: SlotOffer

    @property
    def active(self) -> bool:
        return self.state == ACTIVE


SLOT_STORE_SETTING = "NEUVO_SLOT_STORE"


class SlotStoreUnavailable(Exception):
    """The booking system cannot be reached or answered with an error."""


class SlotStore(Protocol):
    def free_slots(
        self,
        need: str | None,
        municipality: str | None,
        language: str,
        after: datetime,
        before: datetime | None = None,
        limit: int = 3,
    ) -> list[SlotOffer]:
        """The earliest free times for the need where the municipality's residents go.

        Times in the resident's language come first; only when there are none
        are other times offered. before defaults to the need's target
        (bot.schedule.target_for).
        """
        ...

    def book(
        self, slot_id: int | str, conversation_id: str, need: str | None, language: str
    ) -> BookingRecord | None:
        """Books the time; None when it was taken meanwhile, is past or does not exist."""
        ...

    def cancel(self, reference: str, conversation_id: str | None) -> bool:
        """Cancels the active booking; conversation_id None: the reference is enough."""
        ...

    def move(
        self, reference: str, conversation_id: str | None, new_slot_id: int | str
    ) -> BookingRecord | None:
        """Books the new time and frees the old one, both or neither; None if not possible."""
        ...

    def find(self, reference: str) -> BookingRecord | None:
        """The booking, or the one it was moved to."""
        ...


def _slot_key(slot_id: int | str | None) -> int | None:
    try:
        return int(str(slot_id).strip())
    except (TypeError, ValueError):
        return None


def _address(channel: Channel, municipality: Municipality | None, language: str) -> str:
    street = (channel.street_sv if language == "sv" else channel.street_fi) or channel.street_fi
    if not street:
        return ""
    town = municipality.name(language) if municipality else ""
    place = " ".join(part for part in (channel.postal_code, town) if part)
    return f"{street}, {place}" if place else street


def _offer(slot: Slot, channel: Channel, service: Service, town: Municipality | None):
    return SlotOffer(
        slot_id=slot.id,
        starts_at=from_stored(slot.starts_at),
        ends_at=from_stored(slot.ends_at),
        service_id=service.id,
        unit_name_fi=channel.name_fi or service.name_fi,
        unit_name_sv=channel.name_sv or service.name_sv,
        address_fi=_address(channel, town, "fi"),
        address_sv=_address(channel, town, "sv"),
        languages=tuple(slot.languages or ()),
        demo=bool(channel.demo or service.demo),
    )


def _slot_rows():
    """Slots with what an offer shows: unit, service, the unit's municipality."""
    return (
        select(Slot, Channel, Service, Municipality)
        .join(Channel, Slot.channel_id == Channel.id)
        .join(Service, Slot.service_id == Service.id)
        .outerjoin(Municipality, Channel.municipality_code == Municipality.code)
    )


class SqlSlotStore:
    """The built-in store: slots and bookings in the application database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def free_slots(
        self,
        need: str | None,
        municipality: str | None,
        language: str,
        after: datetime,
        before: datetime | None = None,
        limit: int = 3,
    ) -> list[SlotOffer]:
        if not need or limit <= 0:
            return []
        until = before or horizon_end(after, target_for(need))
        serves_need = exists().where(ServiceNeed.service_id == Service.id, ServiceNeed.need == need)
        serves_area = exists().where(
            service_areas.c.service_id == Service.id,
            service_areas.c.municipality_code == municipality,
        )
        taken = exists().where(Booking.slot_id == Slot.id, Booking.state == ACTIVE)
        with session_scope(self.engine) as session:
            services = (
                session.execute(
                    select(Service.id).where(serves_need, or_(Service.nationwide, serves_area))
                )
                .scalars()
                .all()
            )
            candidates = session.execute(
                select(Slot.id, Slot.languages)
                .join(Channel, Slot.channel_id == Channel.id)
                .where(
                    Slot.service_id.in_(services),
                    Channel.takes_appointments,
                    Slot.starts_at > to_stored(after),
                    Slot.starts_at < to_stored(until),
                    ~taken,
                )
                .order_by(Slot.starts_at, Slot.id)
                .limit(MAX_CANDIDATES)
            ).all()
            in_language = [id for id, languages in candidates if language in (languages or [])]
            chosen = (in_language or [id for id, _ in candidates])[:limit]
            rows = session.execute(_slot_rows().where(Slot.id.in_(chosen))).all()
            offers = sorted((_offer(*row) for row in rows), key=lambda o: (o.starts_at, o.slot_id))
        return offers

    def _record(self, session: Session, booking: Booking) -> BookingRecord:
        row = session.execute(_slot_rows().where(Slot.id == booking.slot_id)).one()
        return BookingRecord(
            reference=booking.reference,
            state=booking.state,
            conversation_id=booking.conversation_id,
            need=booking.need,
            language=booking.language,
            created_at=from_stored(booking.created_at),
            offer=_offer(*row),
        )

    def _holder(self, slot_id: int) -> tuple[bool, Booking | None]:
        """(the slot exists, its active booking)."""
        with session_scope(self.engine) as session:
            slot_exists = session.get(Slot, slot_id) is not None
            holder = session.execute(
                select(Booking).where(Booking.slot_id == slot_id, Booking.state == ACTIVE)
            ).scalar_one_or_none()
            return slot_exists, holder

    def _insert(self, session: Session, booking: Booking) -> bool:
        """Adds the booking; False (and nothing written) when its slot has already begun."""
        session.add(booking)
        session.flush()
        slot = session.get(Slot, booking.slot_id)
        if slot.starts_at <= to_stored(clock.now()):
            session.rollback()
            return False
        return True

    def _after_conflict(self, slot_id: int, conversation_id: str) -> BookingRecord | None | bool:
        """Why a booking was refused: None (taken or gone), the resident's own
        booking (a repeated click), or True (only the reference clashed: draw again)."""
        slot_exists, holder = self._holder(slot_id)
        if not slot_exists:
            return None
        if holder is None:
            return True
        if holder.conversation_id == conversation_id:
            return self.find(holder.reference)
        return None

    def book(
        self, slot_id: int | str, conversation_id: str, need: str | None, language: str
    ) -> BookingRecord | None:
        key = _slot_key(slot_id)
        if key is None or not conversation_id:
            return None
        for _ in range(REFERENCE_DRAWS):
            try:
                with session_scope(self.engine) as session:
                    booking = Booking(
                        reference=new_reference(),
                        slot_id=key,
                        conversation_id=conversation_id,
                        need=need or "",
                        language=language if language in LANGUAGES else "fi",
                        state=ACTIVE,
                        created_at=to_stored(clock.now()),
                    )
                    if not self._insert(session, booking):
                        return None
                    return self._record(session, booking)
            except IntegrityError:
                outcome = self._after_conflict(key, conversation_id)
                if outcome is not True:
                    return outcome
        return None

    def _current(self, reference: str) -> Booking | None:
        """The booking with the reference, followed through its moves."""
        code = normalise_reference(reference)
        with session_scope(self.engine) as session:
            booking = session.execute(
                select(Booking).where(Booking.reference == code)
            ).scalar_one_or_none()
            for _ in range(MAX_MOVES_FOLLOWED):
                if booking is None or booking.replaced_by_id is None:
                    break
                booking = session.get(Booking, booking.replaced_by_id)
            return booking

    def find(self, reference: str) -> BookingRecord | None:
        booking = self._current(reference)
        if booking is None:
            return None
        with session_scope(self.engine) as session:
            return self._record(session, booking)

    def _retire(
        self, session: Session, booking: Booking, conversation_id: str | None, state: str
    ) -> bool:
        """Sets an active booking's final state; False when it is not active (or not theirs)."""
        conditions = [Booking.id == booking.id, Booking.state == ACTIVE]
        if conversation_id is not None:
            conditions.append(Booking.conversation_id == conversation_id)
        result = session.execute(
            update(Booking)
            .where(*conditions)
            .values(state=state, cancelled_at=to_stored(clock.now()))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def cancel(self, reference: str, conversation_id: str | None) -> bool:
        booking = self._current(reference)
        if booking is None:
            return False
        with session_scope(self.engine) as session:
            return self._retire(session, booking, conversation_id, "cancelled")

    def move(
        self, reference: str, conversation_id: str | None, new_slot_id: int | str
    ) -> BookingRecord | None:
        key = _slot_key(new_slot_id)
        old = self._current(reference)
        if key is None or old is None:
            return None
        if old.slot_id == key and old.state == ACTIVE:
            return self.find(old.reference)
        for _ in range(REFERENCE_DRAWS):
            try:
                with session_scope(self.engine) as session:
                    # Retiring the old booking is the first write: nothing
                    # else can move or cancel it while the new one is made.
                    if not self._retire(session, old, conversation_id, "moved"):
                        return None
                    new = Booking(
                        reference=new_reference(),
                        slot_id=key,
                        conversation_id=old.conversation_id,
                        need=old.need,
                        language=old.language,
                        state=ACTIVE,
                        created_at=to_stored(clock.now()),
                    )
                    if not self._insert(session, new):
                        return None
                    session.execute(
                        update(Booking)
                        .where(Booking.id == old.id)
                        .values(replaced_by_id=new.id)
                        .execution_options(synchronize_session=False)
                    )
                    return self._record(session, new)
            except IntegrityError:
                # Rolled back: the old booking is still active.
                outcome = self._after_conflict(key, old.conversation_id)
                if outcome is not True:
                    return None
        return None


def slot_store() -> SlotStore:
    """The store the chat uses: NEUVO_SLOT_STORE's, else the built-in one."""
    configured = os.environ.get(SLOT_STORE_SETTING, "").strip()
    if configured:
        return _factory(configured)()
    return SqlSlotStore(default_engine())


@lru_cache(maxsize=4)
def _factory(path: str) -> Callable[[], SlotStore]:
    module_name, _, name = path.partition(":")
    if not module_name or not name:
        raise ValueError(
            f"{SLOT_STORE_SETTING} must look like package.module:factory, not {path!r}"
        )
    return getattr(importlib.import_module(module_name), name)
