"""The PTV importer on PTV-shaped fixtures and on the real records in shared/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.catalogue.loader import load_municipalities
from bot.catalogue.models import Channel, Organisation, Service
from bot.catalogue.ptv import import_paths, needs_from_text
from bot.db import init_db, make_engine, session_scope

FIXTURES = Path(__file__).parent / "fixtures" / "ptv"
SHARED_PTV = (
    Path(os.environ.get("NEUVO_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "data"
    / "ptv"
)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    init_db(engine)
    with session_scope(engine) as session:
        load_municipalities(session)
    return engine


def run(engine, *paths: Path):
    with session_scope(engine) as session:
        return import_paths(session, list(paths), progress=False)


def test_good_v11_records(engine) -> None:
    report = run(engine, FIXTURES / "v11_good.json")
    assert (report.services, report.channels, report.skipped) == (1, 1, [])
    with session_scope(engine) as session:
        service = session.get(Service, "33333333-0000-4000-8000-000000000001")
        assert service.name_sv == "Mun- och tandvård"
        assert service.description_fi == "Hammashoitoa kaikenikäisille."
        assert service.need_codes == ["oral_health"]
        assert sorted(m.code for m in service.areas) == ["224", "444"]
        assert service.organisation.provider_type == "public"
        assert service.organisation.name_sv == "Västra Nylands välfärdsområde"
        [channel] = service.channels
        assert channel.type == "location"
        assert channel.phone == "+358 19 1234567"
        assert channel.street_sv == "Sjukhusvägen 8" and channel.municipality_code == "444"
        assert channel.hours == [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "15:30"}]
        assert channel.hours_exceptions == [
            {"date": "2026-12-24", "closed": True, "until": "2026-12-26"}
        ]


def test_partial_record_falls_back_on_the_other_language(engine) -> None:
    report = run(engine, FIXTURES / "partial.json")
    assert report.skipped == []
    with session_scope(engine) as session:
        service = session.get(Service, "44444444-0000-4000-8000-000000000001")
        assert service.name_fi == service.name_sv == "Vänverksamhet för äldre"
        assert service.nationwide and service.description_fi == ""
        assert set(service.need_codes) >= {"elderly_services", "loneliness_peer_support"}


def test_broken_records_are_reported_and_skipped_without_losing_good_ones(engine) -> None:
    report = run(
        engine, FIXTURES / "broken.json", FIXTURES / "not_json.json", FIXTURES / "v11_good.json"
    )
    reasons = dict(report.skipped)
    assert len(report.skipped) == 6, report.skipped
    assert any("unreadable JSON" in r for r in reasons.values())
    assert any("no id" in r for r in reasons.values())
    assert any("CarrierPigeon" in r for r in reasons.values())
    # The good records and the readable parts of the odd channel are in.
    assert report.services == 1
    with session_scope(engine) as session:
        odd = session.get(Channel, "66666666-0000-4000-8000-000000000004")
        assert odd is not None and odd.phone is None and odd.hours == []
        assert session.get(Service, "66666666-0000-4000-8000-000000000002") is None


def test_reimport_updates_by_id(engine, tmp_path) -> None:
    run(engine, FIXTURES / "v11_good.json")
    data = json.loads((FIXTURES / "v11_good.json").read_text("utf-8"))
    data["itemList"][1]["serviceNames"][0]["value"] = "Suun terveydenhuolto (uusi nimi)"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), "utf-8")
    run(engine, changed)
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Service)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == 1
        service = session.get(Service, "33333333-0000-4000-8000-000000000001")
        assert service.name_fi == "Suun terveydenhuolto (uusi nimi)"
        assert len(service.channels) == 1


@pytest.mark.skipif(not SHARED_PTV.exists(), reason="shared/data/ptv is not beside the project")
def test_real_ptv_records(engine) -> None:
    report = run(
        engine,
        SHARED_PTV / "services",
        SHARED_PTV / "servicechannels",
        SHARED_PTV / "organizations",
    )
    assert (report.services, report.channels, report.skipped) == (4, 6, [])
    with session_scope(engine) as session:
        crisis = session.get(Service, "9f242076-de0b-4c58-810e-aac4979d71fa")
        assert "mental_health_crisis" in crisis.need_codes
        assert [c.phone for c in crisis.channels] == ["+358 40 5501990"]
        assert (
            session.get(Organisation, "7fdd7f84-e52a-4c17-a59a-d7c2a3095ed5").name_sv == "Vasa stad"
        )


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("Suun terveydenhuolto", "oral_health"),
        ("Kotihoito", "home_care"),
        ("Färdtjänst", "disability_services"),
        ("Etsivä nuorisotyö", "youth_support"),
    ],
)
def test_needs_from_ptv_names(text: str, need: str) -> None:
    assert need in needs_from_text([text])
