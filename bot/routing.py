"""Choosing where to send a resident: the outcome and the services, from the catalogue.

The outcome is the first of the need's allowed outcomes (needs.yml, in order
of preference) that a service in the resident's municipality can actually
deliver; a fitting third-sector service is put beside public ones. Every
service comes from the catalogue: nothing is invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.catalogue.models import Service, ServiceNeed, service_areas
from bot.recipient import target_groups

NEEDS_FILE = Path(__file__).parent / "catalogue" / "data" / "needs.yml"
HELPLINE_ROUTING_FILE = NEEDS_FILE.with_name("helpline_routing.yml")
CRISIS_NEEDS = frozenset({"emergency", "mental_health_crisis", "domestic_violence"})
# Matters a professional should call back the same working day.
URGENT_NEEDS = frozenset({"urgent_care"})
THIRD_SECTOR = ("third_sector", "parish")
MAX_SERVICES = 3


@lru_cache(maxsize=1)
def allowed_outcomes() -> dict[str, list[str]]:
    """need code -> allowed outcomes, the usual default first (needs.yml)."""
    spec = yaml.safe_load(NEEDS_FILE.read_text(encoding="utf-8"))
    return {need["code"]: list(need["outcomes"]) for need in spec["needs"]}


@lru_cache(maxsize=1)
def _only_when_said() -> dict[str, re.Pattern[str]]:
    """Lines worth listing only when the message speaks of what they are for."""
    spec = yaml.safe_load(HELPLINE_ROUTING_FILE.read_text(encoding="utf-8"))
    return {
        service_id: re.compile("|".join(how["only_when_said"]), re.IGNORECASE)
        for service_id, how in spec.items()
        if how.get("only_when_said")
    }


def spoken_of(service: Service, message: str) -> bool:
    """False for a line the message gives no reason to list (helpline_routing.yml)."""
    pattern = _only_when_said().get(service.id)
    return pattern is None or bool(pattern.search(message))


@dataclass
class Routing:
    need: str
    outcome: str
    language: str
    municipality: str | None
    # The chosen outcome's services, best first, and those offered beside them.
    primary: list[Service] = field(default_factory=list)
    beside: list[Service] = field(default_factory=list)
    # Whom the help is for (bot/recipient.py RECIPIENTS), when the resident said.
    recipient: str | None = None

    @property
    def is_emergency(self) -> bool:
        """Answered with the number to call first, nothing to click."""
        return self.need in CRISIS_NEEDS or self.outcome == "emergency"

    @property
    def services(self) -> list[Service]:
        return self.primary + self.beside

    def payload(self) -> dict:
        """The routing payload of shared/domain/CONTRACT.md."""
        return {
            "type": "routing",
            "need": self.need,
            "outcome": self.outcome,
            "language": self.language,
            "municipality": self.municipality,
            "services": [service_summary(s, self.language) for s in self.services],
        }


def channel_capabilities(service: Service) -> list[str]:
    capabilities: list[str] = []
    for channel in service.channels:
        if channel.takes_appointments:
            capabilities.append("appointment")
        if channel.takes_callbacks:
            capabilities.append("callback")
        if channel.phone:
            capabilities.append("phone")
        capabilities.append(channel.type)
    return list(dict.fromkeys(capabilities))


def service_summary(service: Service, language: str) -> dict:
    phone = next((c.phone for c in service.channels if c.phone), None)
    url = next((c.url for c in service.channels if c.url), None)
    summary = {
        "id": service.id,
        "name": service.name(language),
        "provider_type": service.organisation.provider_type,
        "channels": channel_capabilities(service),
        "demo": service.demo,
    }
    if phone:
        summary["phone"] = phone
    if url:
        summary["url"] = url
    return summary


def routing_payload_of(replies: list[dict]) -> dict | None:
    """The routing payload among one turn's REST replies (CONTRACT.md), if there is one."""
    payloads = [r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "routing"]
    if len(payloads) > 1:
        raise ValueError(f"one turn carried {len(payloads)} routing payloads")
    return payloads[0] if payloads else None


def services_for(session: Session, need: str, municipality: str | None) -> list[Service]:
    """Services for the need that serve the municipality (or the whole country)."""
    in_area = Service.nationwide.is_(True)
    if municipality:
        in_area = or_(
            in_area,
            Service.id.in_(
                select(service_areas.c.service_id).where(
                    service_areas.c.municipality_code == municipality
                )
            ),
        )
    query = (
        select(Service)
        .join(ServiceNeed, ServiceNeed.service_id == Service.id)
        .where(ServiceNeed.need == need, in_area)
        .options(selectinload(Service.channels), selectinload(Service.organisation))
        .order_by(Service.id)
    )
    return list(session.execute(query).scalars().unique())


def _fits(service: Service, outcome: str) -> bool:
    provider = service.organisation.provider_type
    channels = service.channels
    if outcome == "appointment":
        return provider == "public" and any(c.takes_appointments for c in channels)
    if outcome == "callback":
        return provider == "public" and any(c.takes_callbacks for c in channels)
    if outcome == "third_sector":
        return provider in THIRD_SECTOR
    if outcome == "self_service":
        return provider == "national" and any(c.type in ("eservice", "webpage") for c in channels)
    if outcome == "info":
        return True
    if outcome == "emergency":
        return any(c.phone for c in channels)
    return False


def _rank(
    services: list[Service],
    language: str,
    municipality: str | None,
    recipient: str | None = None,
) -> list[Service]:
    """Best first: 112, the resident's language, open to whom the help is for,
    local, specific to few needs, always open."""
    wanted_groups = target_groups(recipient)

    def made_for_others(service: Service) -> bool:
        groups = set(service.target_groups or [])
        return bool(wanted_groups and groups) and not groups & wanted_groups

    def key(service: Service) -> tuple:
        speaks = language in (service.languages or [])
        local = bool(municipality) and not service.nationwide
        always = any(c.always_open for c in service.channels)
        emergency_number = any(c.phone == "112" for c in service.channels)
        return (
            not emergency_number,
            not speaks,
            made_for_others(service),
            not local,
            len(service.needs),
            not always,
            service.id,
        )

    return sorted(services, key=key)


def route(
    session: Session,
    need: str,
    language: str,
    municipality: str | None,
    recipient: str | None = None,
    in_danger: bool = False,
    message: str = "",
) -> Routing:
    """The first allowed outcome that a service can deliver; danger now puts emergency first.

    `message` is the resident's own words: some lines are listed only when
    it speaks of what they are for (the poison centre for a poisoning).
    """
    outcomes = allowed_outcomes()[need]
    if in_danger and "emergency" in outcomes:
        outcomes = ["emergency", *(o for o in outcomes if o != "emergency")]
    candidates = [s for s in services_for(session, need, municipality) if spoken_of(s, message)]
    for outcome in outcomes:
        fitting = [s for s in candidates if _fits(s, outcome)]
        if fitting:
            chosen = _rank(fitting, language, municipality, recipient)[:MAX_SERVICES]
            beside = (
                []
                if outcome == "emergency"
                else _beside(candidates, chosen, outcome, language, municipality, recipient)
            )
            return Routing(need, outcome, language, municipality, chosen, beside, recipient)
    # Nothing in the catalogue fits: say so honestly (info), with nothing invented.
    outcome = "info" if "info" in outcomes else outcomes[0]
    return Routing(need, outcome, language, municipality, recipient=recipient)


def other_options(
    session: Session,
    need: str,
    language: str,
    municipality: str | None,
    recipient: str | None = None,
) -> Routing | None:
    """The need's other allowed outcomes, for "other options": what route() did not show."""
    first = route(session, need, language, municipality, recipient)
    shown = {s.id for s in first.services}
    candidates = [s for s in services_for(session, need, municipality) if s.id not in shown]
    for outcome in allowed_outcomes()[need]:
        if outcome in (first.outcome, "emergency", "info"):
            continue
        fitting = [s for s in candidates if _fits(s, outcome)]
        if fitting:
            chosen = _rank(fitting, language, municipality, recipient)[:MAX_SERVICES]
            return Routing(need, outcome, language, municipality, chosen, recipient=recipient)
    return None


def _beside(
    candidates: list[Service],
    chosen: list[Service],
    outcome: str,
    language: str,
    municipality: str | None,
    recipient: str | None = None,
) -> list[Service]:
    """A third-sector option and a national helpline for the need, when there are any."""
    extra: list[Service] = []
    kinds = ("helpline",) if outcome == "third_sector" else ("third_sector", "helpline")
    for wanted in kinds:
        options = [
            s
            for s in candidates
            if s not in chosen
            and (_fits(s, "third_sector") if wanted == "third_sector" else s.source == "helplines")
            and not any(c.phone == "112" for c in s.channels)
        ]
        ranked = _rank(options, language, municipality, recipient)
        extra += [s for s in ranked[:1] if s not in extra]
    return extra


def next_steps(routing: Routing) -> list[str]:
    """What the resident can do next from the chat: book, callback, other options.

    Crisis answers offer nothing to click: the number to call comes first.
    """
    if routing.is_emergency:
        return []
    # A callback is always possible: general advice calls back when no
    # service of the need itself does (callback_unit).
    book = ["book"] if any(_fits(s, "appointment") for s in routing.primary) else []
    return [*book, "callback", "other_options"]


def needs_municipality(need: str, in_danger: bool = False) -> bool:
    """Crisis answers never wait for a municipality: the numbers are national."""
    return need not in CRISIS_NEEDS and not in_danger


def urgent_need(need: str | None) -> bool:
    return need in URGENT_NEEDS


@dataclass(frozen=True)
class CallbackUnit:
    """The public service, and its channel, that calls the resident back."""

    service_id: str
    channel_id: str
    name_fi: str
    name_sv: str
    phone: str | None

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


def callback_unit(
    session: Session, need: str, municipality: str | None, language: str
) -> CallbackUnit | None:
    """Who calls back about the need: the best local service taking callbacks.

    General advice (service_info) answers when no service of the need itself
    takes callbacks, so that every request lands in some unit's queue.
    """
    for wanted in dict.fromkeys((need, "service_info")):
        fitting = [s for s in services_for(session, wanted, municipality) if _fits(s, "callback")]
        if fitting:
            service = _rank(fitting, language, municipality)[0]
            channel = next(c for c in service.channels if c.takes_callbacks)
            return CallbackUnit(
                service.id, channel.id, service.name_fi, service.name_sv, channel.phone
            )
    return None
