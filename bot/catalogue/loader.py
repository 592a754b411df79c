"""Loading reference and demo data into the catalogue (idempotent: merge by id)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalogue.models import Channel, Municipality, Organisation, Service, ServiceNeed
from bot.catalogue.search_index import rebuild_search_index
from bot.routing import HELPLINE_ROUTING_FILE

HERE = Path(__file__).parent
MUNICIPALITIES_FILE = HERE / "data" / "municipalities.json"
HELPLINES_FILE = HERE / "data" / "national_helplines.yml"
PUBLIC_UNITS_FILE = HERE / "demo" / "public_units.yml"
THIRD_SECTOR_FILE = HERE / "demo" / "third_sector.yml"


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_municipalities(session: Session) -> int:
    """All municipalities with their Finnish and Swedish names (PTV code list)."""
    records = json.loads(MUNICIPALITIES_FILE.read_text(encoding="utf-8"))
    for record in records:
        names = {n["language"]: n["value"] for n in record["names"]}
        session.merge(
            Municipality(
                code=record["code"],
                name_fi=names.get("fi") or names.get("sv"),
                name_sv=names.get("sv") or names.get("fi"),
            )
        )
    return len(records)


def load_helplines(session: Session) -> int:
    """The checked national numbers, each as an organisation, a service and a phone channel."""
    helplines = _read_yaml(HELPLINES_FILE)
    routing = _read_yaml(HELPLINE_ROUTING_FILE)
    for line in helplines:
        how = routing[line["id"]]
        name = {"fi": line["fi"], "sv": line["sv"]}
        channels = [
            Channel(
                id=f"{line['id']}-phone",
                type="phone",
                name_fi=line["fi"],
                name_sv=line["sv"],
                phone=line["phone"],
                always_open=line["hours"].startswith("24/7"),
                url=how.get("url"),
            )
        ]
        _merge_service(
            session,
            organisation=Organisation(
                id=line["id"],
                provider_type=how["provider_type"],
                name_fi=name["fi"],
                name_sv=name["sv"],
                source="helplines",
            ),  # fmt: skip
            service_id=line["id"],
            name=name,
            description={"fi": "", "sv": ""},
            needs=how["needs"],
            channels=channels,
            nationwide=True,
            languages=how.get("languages", ["fi", "sv"]),
            urgent=True,
            source="helplines",
        )
    return len(helplines)


def load_demo_public_units(session: Session) -> int:
    spec = _read_yaml(PUBLIC_UNITS_FILE)
    count = 0
    for county in spec["counties"]:
        _merge_demo_organisation(session, county["id"], "public", county["name"])
        session.flush()
        codes = list(county["municipalities"])
        for code in codes:
            municipality = session.get(Municipality, code)
            municipality.organiser_id = county["id"]
        for unit in spec["units"]:
            places = codes if unit["scope"] == "municipality" else [None]
            for code in places:
                values = {"county_fi": county["name"]["fi"], "county_sv": county["name"]["sv"]}
                if code is not None:
                    municipality = session.get(Municipality, code)
                    values |= {
                        "gen": county["municipalities"][code]["genitive_fi"],
                        "sv": municipality.name_sv,
                    }
                service_id = f"demo-{unit['key']}-{code or county['id']}"
                name = {lang: unit["name"][lang].format(**values) for lang in ("fi", "sv")}
                channel = unit["channel"]
                _merge_service(
                    session,
                    organisation=None,
                    organisation_id=county["id"],
                    service_id=service_id,
                    name=name,
                    description=unit["description"],
                    needs=unit["needs"],
                    channels=[
                        Channel(
                            id=f"{service_id}-{channel['type']}",
                            type=channel["type"],
                            name_fi=name["fi"],
                            name_sv=name["sv"],
                            municipality_code=code,
                            hours=channel.get("hours", []),
                            always_open=channel.get("always_open", False),
                            takes_appointments=channel.get("appointments", False),
                            takes_callbacks=channel.get("callbacks", False),
                            demo=True,
                        )
                    ],
                    areas=[code] if code else codes,
                    languages=unit.get("languages", ["fi", "sv"]),
                    age=unit.get("age"),
                    urgent=unit.get("urgent", False),
                    demo=True,
                    source="demo",
                )
                count += 1
    return count


def load_demo_third_sector(session: Session) -> int:
    spec = _read_yaml(THIRD_SECTOR_FILE)
    for org in spec["organisations"]:
        _merge_demo_organisation(session, org["id"], org["provider_type"], org["name"])
    session.flush()
    for item in spec["services"]:
        channels = [
            Channel(
                id=f"{item['id']}-{i}",
                type=channel["type"],
                name_fi=(channel.get("name") or item["name"])["fi"],
                name_sv=(channel.get("name") or item["name"])["sv"],
                url=channel.get("url"),
                demo=True,
            )
            for i, channel in enumerate(item.get("channels") or [])
        ]
        _merge_service(
            session,
            organisation=None,
            organisation_id=item["organisation"],
            service_id=item["id"],
            name=item["name"],
            description=item["description"],
            needs=item["needs"],
            channels=channels,
            areas=[str(code) for code in item.get("areas") or []],
            nationwide=bool(item.get("nationwide")),
            languages=item.get("languages", ["fi"]),
            target_groups=item.get("target_groups", []),
            age=[item.get("age_min"), item.get("age_max")],
            demo=True,
            source="demo",
        )
    return len(spec["services"])


def _merge_demo_organisation(session: Session, id: str, provider_type: str, name: dict) -> None:
    session.merge(
        Organisation(
            id=id,
            provider_type=provider_type,
            name_fi=name["fi"],
            name_sv=name["sv"],
            demo=True,
            source="demo",
        )  # fmt: skip
    )


def _merge_service(
    session: Session,
    *,
    organisation: Organisation | None,
    service_id: str,
    name: dict,
    description: dict,
    needs: list[str],
    channels: list[Channel],
    organisation_id: str | None = None,
    areas: list[str] | None = None,
    nationwide: bool = False,
    languages: list[str] | None = None,
    target_groups: list[str] | None = None,
    age: list | None = None,
    urgent: bool = False,
    demo: bool = False,
    source: str = "manual",
) -> Service:
    if organisation is not None:
        organisation = session.merge(organisation)
        organisation_id = organisation.id
    service = session.get(Service, service_id)
    if service is None:
        service = Service(id=service_id)
        session.add(service)
    service.organisation_id = organisation_id
    service.name_fi, service.name_sv = name["fi"], name["sv"]
    service.description_fi, service.description_sv = description["fi"], description["sv"]
    service.nationwide = nationwide
    service.languages = languages or ["fi", "sv"]
    service.target_groups = target_groups or []
    service.age_min, service.age_max = (age or [None, None])[:2] if age else (None, None)
    service.urgent = urgent
    service.demo = demo
    service.source = source
    service.needs = [ServiceNeed(need=need) for need in needs]
    service.channels = [session.merge(channel) for channel in channels]
    service.areas = [session.get(Municipality, code) for code in (areas or [])]
    session.flush()
    return service


def load_all(session: Session, demo: bool = True) -> dict[str, int]:
    counts = {"municipalities": load_municipalities(session)}
    session.flush()
    counts["helplines"] = load_helplines(session)
    if demo:
        counts["demo_public_units"] = load_demo_public_units(session)
        if THIRD_SECTOR_FILE.exists():
            counts["demo_third_sector"] = load_demo_third_sector(session)
    rebuild_search_index(session)
    return counts


def catalogue_is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Service)).scalar_one() == 0
