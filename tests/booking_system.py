"""Another booking system behind the SlotStore interface, for the adapter tests.

It keeps its calendar in memory, as a stand-in for a municipality's own
booking system reached over its API: the chat actions must work with it
exactly as with the built-in store. ``unavailable()`` is one whose system is down.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import timedelta

from bot import clock
from bot.appointments.store import BookingRecord, SlotOffer, SlotStoreUnavailable

UNIT = "external-oral-health"


class InMemoryBookingSystem:
    """Three times tomorrow at one unit; bookings and cancellations in memory."""

    _lock = threading.Lock()
    _bookings: dict[str, BookingRecord] = {}
    _codes = itertools.count(222, 111)  # EXT-222, EXT-333 …: the reference alphabet

    def __init__(self) -> None:
        tomorrow = (clock.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        self.slots = {
            n: SlotOffer(
                slot_id=n,
                starts_at=tomorrow.replace(hour=8 + n),
                ends_at=tomorrow.replace(hour=8 + n, minute=30),
                service_id=UNIT,
                unit_name_fi="Ulkoisen järjestelmän hammashoitola",
                unit_name_sv="Tandvården i det externa systemet",
                address_fi="",
                address_sv="",
                languages=("fi", "sv"),
                demo=True,
            )
            for n in (1, 2, 3)
        }

    def _taken(self) -> set[int]:
        return {b.offer.slot_id for b in self._bookings.values() if b.active}

    def free_slots(self, need, municipality, language, after, before=None, limit=3):
        free = [o for o in self.slots.values() if o.slot_id not in self._taken()]
        return [o for o in free if o.starts_at > after][:limit]

    def book(self, slot_id, conversation_id, need, language):
        with self._lock:
            offer = self.slots.get(int(slot_id))
            if offer is None or offer.slot_id in self._taken():
                return None
            reference = f"EXT-{next(self._codes)}"
            record = BookingRecord(
                reference, "active", conversation_id, need or "", language, clock.now(), offer
            )
            self._bookings[reference] = record
            return record

    def cancel(self, reference, conversation_id):
        with self._lock:
            record = self._bookings.get(reference)
            if record is None or not record.active:
                return False
            if conversation_id is not None and record.conversation_id != conversation_id:
                return False
            self._bookings[reference] = replace(record, state="cancelled")
            return True

    def move(self, reference, conversation_id, new_slot_id):
        with self._lock:
            old = self._bookings.get(reference)
            if old is None or not old.active:
                return None
        new = self.book(new_slot_id, old.conversation_id, old.need, old.language)
        if new is not None:
            self.cancel(reference, None)
        return new

    def find(self, reference):
        return self._bookings.get(reference)


class UnavailableBookingSystem(InMemoryBookingSystem):
    def free_slots(self, *args, **kwargs) -> list[SlotOffer]:
        raise SlotStoreUnavailable("connection refused")

    def book(self, *args, **kwargs) -> BookingRecord | None:
        raise SlotStoreUnavailable("connection refused")
