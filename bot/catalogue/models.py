"""Catalogue tables, shaped after the national service catalogue (PTV).

A service (what is offered, e.g. "oral health care") belongs to an
organisation and reaches residents through channels (a location, a phone
line, an e-service); channels can be shared between services, as in PTV.
Need codes (shared/domain/needs.yml) link services to what residents say.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import relationship

from bot.db import Base, utcnow

PROVIDER_TYPES = ("public", "third_sector", "parish", "national", "private")
CHANNEL_TYPES = ("location", "phone", "eservice", "chat", "webpage", "form")

service_channels = Table(
    "service_channels",
    Base.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
)

service_areas = Table(
    "service_areas",
    Base.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "municipality_code",
        ForeignKey("municipalities.code", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Municipality(Base):
    """A municipality by its official code (Statistics Finland), with both names."""

    __tablename__ = "municipalities"

    code: str = Column(String(3), primary_key=True)
    name_fi: str = Column(String(120), nullable=False)
    name_sv: str = Column(String(120), nullable=False)
    # The wellbeing services county (or other organiser) that serves it.
    organiser_id: str | None = Column(ForeignKey("organisations.id"), nullable=True)

    organiser = relationship("Organisation")

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"provider_type IN {PROVIDER_TYPES}", name="ck_organisation_type"),
    )

    id: str = Column(String(64), primary_key=True)
    provider_type: str = Column(String(16), nullable=False)
    name_fi: str = Column(String(255), nullable=False)
    name_sv: str = Column(String(255), nullable=False)
    # Demo data is labelled as such wherever a resident could see it.
    demo: bool = Column(Boolean, nullable=False, default=False)
    source: str = Column(String(16), nullable=False, default="manual")

    services = relationship("Service", back_populates="organisation")


class ServiceNeed(Base):
    __tablename__ = "service_needs"

    service_id: str = Column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    need: str = Column(String(40), primary_key=True, index=True)


class Service(Base):
    __tablename__ = "services"

    id: str = Column(String(64), primary_key=True)
    organisation_id: str = Column(ForeignKey("organisations.id"), nullable=False, index=True)
    name_fi: str = Column(String(255), nullable=False)
    name_sv: str = Column(String(255), nullable=False)
    description_fi: str = Column(Text, nullable=False, default="")
    description_sv: str = Column(Text, nullable=False, default="")
    # Applies everywhere (national numbers, e-services) when true; else service_areas.
    nationwide: bool = Column(Boolean, nullable=False, default=False)
    # Languages the service is given in, e.g. ["fi", "sv"].
    languages: list = Column(JSON, nullable=False, default=list)
    target_groups: list = Column(JSON, nullable=False, default=list)
    service_classes: list = Column(JSON, nullable=False, default=list)
    age_min: int | None = Column(Integer, nullable=True)
    age_max: int | None = Column(Integer, nullable=True)
    # For outcome choice: "urgent" services take same-day matters.
    urgent: bool = Column(Boolean, nullable=False, default=False)
    demo: bool = Column(Boolean, nullable=False, default=False)
    source: str = Column(String(16), nullable=False, default="manual")
    updated_at: datetime = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation", back_populates="services")
    needs = relationship("ServiceNeed", cascade="all, delete-orphan")
    channels = relationship("Channel", secondary=service_channels, back_populates="services")
    areas = relationship("Municipality", secondary=service_areas)

    @property
    def need_codes(self) -> list[str]:
        return sorted(n.need for n in self.needs)

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (CheckConstraint(f"type IN {CHANNEL_TYPES}", name="ck_channel_type"),)

    id: str = Column(String(64), primary_key=True)
    type: str = Column(String(16), nullable=False)
    name_fi: str = Column(String(255), nullable=False, default="")
    name_sv: str = Column(String(255), nullable=False, default="")
    phone: str | None = Column(String(40), nullable=True)
    url: str | None = Column(String(500), nullable=True)
    street_fi: str | None = Column(String(255), nullable=True)
    street_sv: str | None = Column(String(255), nullable=True)
    postal_code: str | None = Column(String(10), nullable=True)
    municipality_code: str | None = Column(ForeignKey("municipalities.code"), nullable=True)
    # Weekly hours: [{"days": [0..6], "open": "08:00", "close": "16:00"}], 0 = Monday.
    hours: list = Column(JSON, nullable=False, default=list)
    # Exceptions: [{"date": "2026-12-24", "closed": true}] or with open/close.
    hours_exceptions: list = Column(JSON, nullable=False, default=list)
    always_open: bool = Column(Boolean, nullable=False, default=False)
    takes_appointments: bool = Column(Boolean, nullable=False, default=False)
    takes_callbacks: bool = Column(Boolean, nullable=False, default=False)
    demo: bool = Column(Boolean, nullable=False, default=False)

    services = relationship("Service", secondary=service_channels, back_populates="channels")
