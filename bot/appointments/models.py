"""Bookable times (slots) and bookings.

No slot is ever booked twice, and the database enforces it: a partial
unique index allows one booking per slot in the state "active" (SQLite and
PostgreSQL both support partial indexes). Cancelled and moved bookings stay
as history and free the slot.

Moving creates a new booking with a new reference; the old one becomes
"moved" and points to its replacement (replaced_by_id), so the old
reference still finds the current booking.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from bot.db import Base, utcnow

BOOKING_STATES = ("active", "cancelled", "moved")
ACTIVE = "active"
_ACTIVE_ONLY = text("state = 'active'")


class Slot(Base):
    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("channel_id", "appointment_type", "starts_at", name="uq_slot_time"),
        CheckConstraint("ends_at > starts_at", name="ck_slot_length"),
        Index("ix_slot_starts", "starts_at"),
        # Free times of the services that fit, in time order.
        Index("ix_slot_service_starts", "service_id", "starts_at"),
    )

    id: int = Column(Integer, primary_key=True)
    service_id: str = Column(ForeignKey("services.id", ondelete="CASCADE"), nullable=False)
    # The location where the appointment is.
    channel_id: str = Column(ForeignKey("channels.id", ondelete="CASCADE"), nullable=False)
    # Who receives: e.g. "nurse", "dentist", "social_worker".
    appointment_type: str = Column(String(40), nullable=False)
    starts_at: datetime = Column(DateTime, nullable=False)  # naive UTC
    ends_at: datetime = Column(DateTime, nullable=False)  # naive UTC
    # Languages the professional serves in, e.g. ["fi", "sv"].
    languages: list = Column(JSON, nullable=False, default=list)

    service = relationship("Service")
    channel = relationship("Channel")


class Booking(Base):
    __tablename__ = "appointment_bookings"
    __table_args__ = (
        CheckConstraint(f"state IN {BOOKING_STATES}", name="ck_booking_state"),
        Index(
            "uq_booking_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=_ACTIVE_ONLY,
            postgresql_where=_ACTIVE_ONLY,
        ),
    )

    id: int = Column(Integer, primary_key=True)
    reference: str = Column(String(7), nullable=False, unique=True)
    slot_id: int = Column(
        ForeignKey("appointment_slots.id", ondelete="CASCADE"), nullable=False, index=True
    )
    conversation_id: str = Column(String(255), nullable=False, index=True)
    need: str = Column(String(40), nullable=False, default="")
    language: str = Column(String(2), nullable=False, default="fi")
    state: str = Column(String(12), nullable=False, default=ACTIVE)
    created_at: datetime = Column(DateTime, nullable=False, default=utcnow)
    cancelled_at: datetime | None = Column(DateTime, nullable=True)
    replaced_by_id: int | None = Column(
        ForeignKey("appointment_bookings.id", ondelete="SET NULL"), nullable=True
    )

    slot = relationship("Slot")
